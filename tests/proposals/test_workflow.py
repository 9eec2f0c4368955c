"""The selection workflow, without HTTP."""
import json

import pytest

from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.proposals import workflow
from aga_consulta.proposals.models import StatusDecision
from aga_consulta.proposals.models import Proposal
from tests.helpers import count
from tests.helpers import REASON, audit_entries as entries

class TestChangeStatus:
    def test_forward_path_records_decision_and_audit_entry(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        decision = workflow.change_status(moderator, proposal, "shortlisted", f"  {REASON}  ")
        assert proposal.status == "shortlisted"
        assert proposal.status_reason == REASON
        assert (decision.from_status, decision.to_status, decision.reason) == ("received", "shortlisted", REASON)
        assert decision.actor_role == "moderator"
        workflow.change_status(moderator, proposal, "selected", "Seleccionada por el comité")
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).status == "selected"
        assert count(StatusDecision) == 2
        log = entries("proposal.status")
        assert [json.loads(e.before)["status"] for e in log] == ["received", "shortlisted"]
        assert [json.loads(e.after)["status"] for e in log] == ["shortlisted", "selected"]
        assert log[0].actor_id == moderator.id and log[0].actor_role == "moderator"
        assert log[0].target_type == "proposal" and log[0].target_id == proposal.id
        assert log[0].target_label == proposal.code and log[0].reason == REASON

    @pytest.mark.parametrize("path", [
        ["shortlisted", "received"],
        ["shortlisted", "selected", "shortlisted"],
        ["shortlisted", "not_selected", "shortlisted", "selected"],
    ])
    def test_back_one_step_is_allowed(self, factory, moderator, path):
        proposal = factory.proposal(factory.consultation())
        for status in path:
            workflow.change_status(moderator, proposal, status, REASON)
        assert proposal.status == path[-1]
        assert count(StatusDecision) == len(path)

    @pytest.mark.parametrize("path, refused", [
        ([], "selected"),
        ([], "not_selected"),
        ([], "received"),
        (["shortlisted"], "shortlisted"),
        (["shortlisted", "selected"], "received"),
        (["shortlisted", "selected"], "not_selected"),
        (["shortlisted", "not_selected"], "selected"),
    ])
    def test_refused_transitions_change_nothing(self, factory, moderator, path, refused):
        proposal = factory.proposal(factory.consultation())
        for status in path:
            workflow.change_status(moderator, proposal, status, REASON)
        with pytest.raises(workflow.TransitionNotAllowed) as error:
            workflow.change_status(moderator, proposal, refused, REASON)
        assert proposal.code in str(error.value.message)
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).status == (path[-1] if path else "received")
        assert count(StatusDecision) == len(path)
        assert len(entries()) == len(path)

    @pytest.mark.parametrize("reason", ["", "   ", "no", "x" * 2001, None])
    def test_reason_is_required_and_bounded(self, factory, moderator, reason):
        proposal = factory.proposal(factory.consultation())
        with pytest.raises(ValidationFailed, match="motivo es obligatorio"):
            workflow.change_status(moderator, proposal, "shortlisted", reason)
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).status == "received"
        assert count(StatusDecision) == 0 and entries() == []

    def test_unknown_status_is_refused(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        with pytest.raises(ValidationFailed):
            workflow.change_status(moderator, proposal, "approved", REASON)
        assert count(StatusDecision) == 0

    def test_citizen_and_deactivated_moderator_are_refused(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        citizen = factory.user()
        with pytest.raises(NotAllowed):
            workflow.change_status(citizen, proposal, "shortlisted", REASON)
        moderator.active = False
        db.session.commit()
        with pytest.raises(NotAllowed):
            workflow.change_status(moderator, proposal, "shortlisted", REASON)
        assert count(StatusDecision) == 0 and entries() == []

    def test_a_stale_status_is_not_overwritten(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        # Another moderator's request moved it after this one read it.
        db.session.execute(
            db.update(Proposal).where(Proposal.id == proposal.id).values(status="shortlisted"),
            execution_options={"synchronize_session": False},
        )
        assert proposal.status == "received"  # what the stale request still believes
        with pytest.raises(workflow.StatusChangedMeanwhile):
            workflow.change_status(moderator, proposal, "shortlisted", REASON)
        assert count(StatusDecision) == 0 and entries() == []


class TestBulkChangeStatus:
    def test_all_or_nothing_names_every_refused_proposal(self, factory, moderator):
        consultation = factory.consultation()
        good = [factory.proposal(consultation, code=f"OK-{n}") for n in range(3)]
        selected = factory.proposal(consultation, code="SEL-1")
        received = factory.proposal(consultation, code="REC-1")
        workflow.bulk_change_status(moderator, good + [selected], "shortlisted", REASON)
        workflow.change_status(moderator, selected, "selected", REASON)
        decisions_before = count(StatusDecision)
        with pytest.raises(workflow.TransitionNotAllowed) as error:
            workflow.bulk_change_status(moderator, good + [selected, received], "selected", REASON)
        message = str(error.value.message)
        assert "SEL-1" in message and "REC-1" in message and "OK-0" not in message
        db.session.expire_all()
        assert {db.session.get(Proposal, p.id).status for p in good} == {"shortlisted"}
        assert count(StatusDecision) == decisions_before

    def test_bulk_success_writes_one_decision_and_entry_per_proposal(self, factory, moderator):
        consultation = factory.consultation()
        batch = [factory.proposal(consultation) for _ in range(4)]
        decisions = workflow.bulk_change_status(moderator, batch, "shortlisted", REASON)
        assert len(decisions) == 4
        assert {p.status for p in batch} == {"shortlisted"}
        assert len(entries("proposal.status")) == 4

    def test_bulk_refuses_empty_and_mixed_consultations(self, factory, moderator):
        a = factory.proposal(factory.consultation())
        b = factory.proposal(factory.consultation())
        with pytest.raises(ValidationFailed):
            workflow.bulk_change_status(moderator, [], "shortlisted", REASON)
        with pytest.raises(ValidationFailed):
            workflow.bulk_change_status(moderator, [a, b], "shortlisted", REASON)
        assert count(StatusDecision) == 0
