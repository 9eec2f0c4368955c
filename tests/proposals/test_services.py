"""The validated create and update of proposals, without HTTP."""
import json

import pytest

from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.proposals import services as proposals
from aga_consulta.proposals.models import Proposal, Theme
from aga_consulta.proposals.services import DuplicateProposalCode
from tests.helpers import count
from tests.helpers import audit_entries as entries

def _values(**overrides):
    values = dict(code="SN-30", title="Datos abiertos municipales", scope="subnational", department_code="76",
                  municipality="Cali", theme="Transparencia", proposer="Alcaldía", summary="Resumen", body="Cuerpo")
    values.update(overrides)
    return values


class TestProposals:
    def test_create_and_update_with_audit(self, factory, moderator):
        consultation = factory.consultation()
        proposal = proposals.create_proposal(consultation, _values(), actor=moderator)
        assert proposal.theme.name == "Transparencia" and proposal.status == "received"
        changed = proposals.update_proposal(moderator, proposal, _values(title="Datos abiertos en Cali", theme="transparencia"))
        assert changed == ["title"]
        create, update_ = entries()
        assert create.action == "proposal.create" and json.loads(create.after)["code"] == "SN-30"
        assert json.loads(update_.before) == {"title": "Datos abiertos municipales"}
        assert count(Theme) == 1

    def test_update_refuses_a_taken_code(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="TAKEN")
        proposal = proposals.create_proposal(consultation, _values(), actor=moderator)
        with pytest.raises(DuplicateProposalCode):
            proposals.update_proposal(moderator, proposal, _values(code="TAKEN"))
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).code == "SN-30"
        assert len(entries("proposal.update")) == 0

    @pytest.mark.parametrize("bad", [
        dict(code=""), dict(code="a b"), dict(code="x" * 21), dict(title="no"), dict(scope="regional"),
        dict(department_code="00"), dict(scope="national"), dict(summary="x" * 2001),
    ])
    def test_bad_fields_are_refused(self, factory, moderator, bad):
        consultation = factory.consultation()
        with pytest.raises(ValidationFailed):
            proposals.create_proposal(consultation, _values(**bad), actor=moderator)
        assert count(Proposal) == 0 and entries() == []
