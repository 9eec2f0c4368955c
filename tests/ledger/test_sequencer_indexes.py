"""The sequencer finds what waits through indexes that hold only that, however long the log is."""
from sqlalchemy import text

from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import entries


def plan_of(statement):
    """Return the database's plan of `statement` as one lower-case string."""
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return "\n".join(str(row[-1]) for row in rows).lower()


def comment(n, proposal):
    return entries.comment_made(utcnow(), participant=ledger.participant(proposal.consultation_id, n + 1), proposal=proposal.id, comment=n + 1, parent=None,
                                text_sha256="0" * 64)


def long_log(factory, integrated=2000, waiting=3):
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    for n in range(integrated):
        ledger.append_entry(consultation.id, comment(n, proposal))
    db.session.commit()
    ledger.integrate(consultation.id)
    for n in range(waiting):
        ledger.append_entry(consultation.id, comment(integrated + n, proposal))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return consultation


def test_the_pending_entries_are_found_without_reading_the_log(factory):
    consultation = long_log(factory)
    plan = plan_of(ledger.pending_entries(consultation.id))
    # Either index that holds the waiting entries apart will do: the partial one, or the
    # leaf index searched for NULL; never one walked over the integrated entries.
    assert ("ix_transparency_entries_pending" in plan or "leaf_index is null" in plan
            or "leaf_index=?" in plan), plan
    assert "seq scan" not in plan and "scan transparency_entries" not in plan, plan
    assert len(db.session.execute(ledger.pending_entries(consultation.id)).all()) == 3


def test_the_oldest_waiting_entry_is_found_without_reading_the_log(factory):
    long_log(factory)
    plan = plan_of(ledger.oldest_pending_query())
    assert "ix_transparency_entries_pending" in plan, plan
    assert ledger.oldest_pending_at() is not None
