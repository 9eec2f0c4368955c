"""The moderation tables enforce their invariants in the database itself."""
import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import IntegrityError

from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.proposals.models import StatusDecision
from tests.helpers import count


def _entry(**overrides):
    values = dict(actor_role="system", action="comment.auto_hide", target_type="comment", target_id=1)
    values.update(overrides)
    return AuditLogEntry(**values)


def test_audit_log_refuses_update_and_delete_in_the_database(factory):
    db.session.add(_entry(reason="original"))
    db.session.commit()
    for statement in (
        update(AuditLogEntry).values(reason="rewritten"),
        delete(AuditLogEntry),
        text("UPDATE audit_log SET reason = 'rewritten'"),
        text("DELETE FROM audit_log"),
    ):
        with pytest.raises(IntegrityError, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    entry = db.session.scalar(db.select(AuditLogEntry))
    assert entry.reason == "original"
    assert count(AuditLogEntry) == 1


def test_audit_log_orm_edit_is_refused(factory):
    entry = _entry(reason="original")
    db.session.add(entry)
    db.session.commit()
    entry.reason = "rewritten"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditLogEntry, entry.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditLogEntry, entry.id).reason == "original"


@pytest.mark.parametrize("bad", [
    dict(action="anything.else"),
    dict(action=""),
    dict(actor_role="citizen"),
    dict(actor_role="moderator"),  # a person's role without a person
    dict(target_type=""),
])
def test_audit_log_check_constraints(factory, bad):
    db.session.add(_entry(**bad))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(AuditLogEntry) == 0


def test_system_entry_may_not_name_a_person(factory):
    moderator = factory.user(role="moderator")
    db.session.add(_entry(actor_id=moderator.id, actor_role="system"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("bad", [
    dict(reason="   "),
    dict(reason=""),
    dict(to_status="received"),
    dict(to_status="approved"),
    dict(actor_role="citizen"),
])
def test_status_decision_check_constraints(factory, bad):
    moderator = factory.user(role="moderator")
    proposal = factory.proposal(factory.consultation())
    values = dict(proposal_id=proposal.id, consultation_id=proposal.consultation_id, from_status="received",
                  to_status="shortlisted", reason="Cumple los criterios", actor_id=moderator.id,
                  actor_role="moderator")
    values.update(bad)
    db.session.add(StatusDecision(**values))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(StatusDecision) == 0
