"""The sequencer finds what waits in a queue of its own, and integrating never rewrites an entry."""
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.ledger.models import TransparencyEntry, TransparencyLeaf, TransparencyPending
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
    # The queue is read, and each waiting entry fetched by its key; never a walk over the log.
    assert "transparency_pending" in plan, plan
    assert "seq scan on transparency_entries" not in plan and "scan transparency_entries" not in plan, plan
    assert len(db.session.execute(ledger.pending_entries(consultation.id)).all()) == 3


def test_the_oldest_waiting_entry_is_found_without_reading_the_log(factory):
    long_log(factory)
    plan = plan_of(ledger.oldest_pending_query())
    assert "transparency_pending" in plan, plan
    assert "seq scan on transparency_entries" not in plan and "scan transparency_entries" not in plan, plan
    assert ledger.oldest_pending_at() is not None


def test_every_way_of_writing_an_entry_queues_it(factory):
    consultation = factory.consultation()  # its "opened" entry, written through the ORM
    proposal = factory.proposal(consultation)
    ledger.insert_entry(consultation.id, comment(1, proposal))  # the Core insert
    db.session.commit()
    queued = set(db.session.scalars(select(TransparencyPending.entry_id)))
    written = set(db.session.scalars(select(TransparencyEntry.id)))
    assert queued == written and len(written) >= 3
    assert ledger.integrate(consultation.id) == len(written)
    assert db.session.scalar(select(func.count()).select_from(TransparencyPending)) == 0
    assert db.session.scalar(select(func.count()).select_from(TransparencyLeaf)) == len(written)


def test_integrating_never_rewrites_an_entry(factory):
    consultation = long_log(factory, integrated=10, waiting=5)
    columns = [TransparencyEntry.id, TransparencyEntry.entry, TransparencyEntry.leaf_hash]
    if db.engine.dialect.name == "postgresql":
        # The row version: an UPDATE, even one that changes nothing, gives the row a new xmin.
        columns.append(text("xmin::text"))
    before = db.session.execute(select(*columns).order_by(TransparencyEntry.id)).all()
    assert ledger.integrate(consultation.id) == 5
    assert db.session.execute(select(*columns).order_by(TransparencyEntry.id)).all() == before


def test_a_leaf_names_an_entry_once_and_a_place_once(factory):
    consultation = long_log(factory, integrated=2, waiting=0)
    first = db.session.execute(select(TransparencyLeaf).order_by(TransparencyLeaf.leaf_index)).scalars().first()
    stored = db.session.scalar(select(func.count()).select_from(TransparencyLeaf))
    for values in ({"leaf_index": 7, "entry_id": first.entry_id},  # the same entry twice
                   {"leaf_index": first.leaf_index, "entry_id": first.entry_id + 1},  # the same place twice
                   {"leaf_index": -1, "entry_id": 10 ** 9}):  # a negative place, no such entry
        with pytest.raises(IntegrityError):
            db.session.execute(insert(TransparencyLeaf), [{"consultation_id": consultation.id, **values}])
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TransparencyLeaf)) == stored


def index_definition(name):
    """Return the database's own definition of index `name`, lower-case."""
    if db.engine.dialect.name == "sqlite":
        found = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"), {"n": name})
    else:
        found = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name})
    return (found or "").lower()


def test_the_window_index_holds_only_window_entries(app):
    # A full index would name the same columns and still serve the closing check.
    window = index_definition("ix_transparency_entries_window")
    assert "where" in window and "consultation.closed" in window, window
