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


TAKEN = "Ya existe la propuesta P0 en esta consulta: los códigos no distinguen mayúsculas de minúsculas."


class TestCodesIgnoreCase:
    """One rule for codes, whichever way they come in: unique in a consultation, ignoring case."""

    def test_create_refuses_a_code_that_differs_only_in_case(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="P0")
        with pytest.raises(DuplicateProposalCode) as refused:
            proposals.create_proposal(consultation, _values(code="p0"), actor=moderator)
        assert str(refused.value.message) == TAKEN
        assert count(Proposal) == 1 and count(Theme) == 0 and entries() == []

    def test_update_refuses_it_but_a_proposal_may_change_the_case_of_its_own_code(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="P0")
        proposal = proposals.create_proposal(consultation, _values(), actor=moderator)
        with pytest.raises(DuplicateProposalCode) as refused:
            proposals.update_proposal(moderator, proposal, _values(code="p0"))
        assert str(refused.value.message) == TAKEN
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).code == "SN-30"
        assert entries("proposal.update") == []
        assert proposals.update_proposal(moderator, proposal, _values(code="sn-30")) == ["code"]
        assert db.session.get(Proposal, proposal.id).code == "sn-30"

    def test_the_same_code_in_another_consultation_is_free(self, factory, moderator):
        factory.proposal(factory.consultation(), code="P0")
        other = factory.consultation()
        assert proposals.create_proposal(other, _values(code="p0"), actor=moderator).code == "p0"

    def test_two_moderators_saving_p0_and_p_0_at_once_store_one(self, app, factory, moderator):
        from aga_consulta.accounts.models import User
        from aga_consulta.consultations.models import Consultation
        from tests.security.support import fire_at_once

        consultation_id, moderator_id = factory.consultation().id, moderator.id
        db.session.remove()

        def create(code):
            def call():
                with app.app_context():
                    try:
                        proposals.create_proposal(db.session.get(Consultation, consultation_id), _values(code=code),
                                                  actor=db.session.get(User, moderator_id))
                        return "ok"
                    finally:
                        db.session.remove()
            return call

        for _round in range(5):
            outcomes = fire_at_once([create("P0"), create("p0")])
            assert sorted(outcomes) == ["DuplicateProposalCode", "ok"], outcomes
            assert count(Proposal) == 1
            db.session.execute(db.delete(Proposal))
            db.session.commit()
