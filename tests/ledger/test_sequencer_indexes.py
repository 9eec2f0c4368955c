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
    assert ("ix_transparency_entries_waiting" in plan or "leaf_index is null" in plan
            or "leaf_index=?" in plan), plan
    assert "seq scan" not in plan and "scan transparency_entries" not in plan, plan
    assert len(db.session.execute(ledger.pending_entries(consultation.id)).all()) == 3


def test_the_oldest_waiting_entry_is_found_without_reading_the_log(factory):
    long_log(factory)
    plan = plan_of(ledger.oldest_pending_query())
    assert "ix_transparency_entries_waiting" in plan, plan
    assert ledger.oldest_pending_at() is not None


def index_definition(name):
    """Return the database's own definition of index `name`, lower-case."""
    if db.engine.dialect.name == "sqlite":
        found = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"), {"n": name})
    else:
        found = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name})
    return (found or "").lower()


def test_the_sequencers_indexes_hold_only_what_they_look_for(app):
    # A full index would name the same columns and still pass the plan tests above.
    pending = index_definition("ix_transparency_entries_waiting")
    assert "where" in pending and "leaf_index is null" in pending, pending
    window = index_definition("ix_transparency_entries_window")
    assert "where" in window and "consultation.closed" in window, window
