"""Sequencers running at once, and writers appending while one runs, on the suite's database
(SQLite, or PostgreSQL when TEST_DATABASE_URL names it): each entry is integrated exactly once."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from aga_consulta.extensions import db
from aga_consulta.ledger import keys, services as ledger
from aga_consulta.ledger.models import TransparencyCheckpoint, TransparencyEntry, TransparencyNode
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import canonical, entries, merkle
from aga_consulta.transparency.note import open_checkpoint


def _pending(consultation_id, proposal_id, count, first_vote=1):
    at = utcnow()
    for number in range(first_vote, first_vote + count):
        who = ledger.participant(consultation_id, number)
        ledger.append_entry(consultation_id, entries.vote_cast(at, participant=who, proposal=proposal_id, vote=number),
                            participant=who)
    db.session.commit()


def _log(factory):
    """Return the ids (plain ints: threads must not touch this session's objects) of a log and its proposal."""
    consultation = factory.consultation()
    return consultation.id, factory.proposal(consultation).id


def _in_threads(app, count, work):
    """Run work() in `count` threads at once, each in its own app context; return results and errors."""
    start = threading.Barrier(count)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                start.wait()
                results.append(work())
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def _assert_integrated_once(consultation_id, total):
    indexes = list(db.session.scalars(
        select(TransparencyEntry.leaf_index).where(TransparencyEntry.consultation_id == consultation_id)
        .order_by(TransparencyEntry.id)))
    assert indexes == list(range(total))  # every entry once, in id order
    sizes = list(db.session.scalars(select(TransparencyCheckpoint.size).where(
        TransparencyCheckpoint.consultation_id == consultation_id).order_by(TransparencyCheckpoint.id)))
    assert sizes == sorted(set(sizes)) and sizes[-1] == total
    leaves = list(db.session.scalars(
        select(TransparencyEntry.leaf_hash).where(TransparencyEntry.consultation_id == consultation_id)
        .order_by(TransparencyEntry.leaf_index)))
    latest = ledger.latest_checkpoint(consultation_id)
    assert open_checkpoint(latest.note, [keys.signer().verifier]).root_hash == merkle.root_of_leaf_hashes(leaves)
    # Every complete subtree of a stored level above the leaves stored once, with the hash
    # the tree of these leaves has there (a leaf's hash is its entry's, never stored twice;
    # the levels between are computed).
    tree = merkle.MemoryTree(leaves)
    nodes = db.session.execute(select(TransparencyNode.level, TransparencyNode.index, TransparencyNode.hash)
                               .where(TransparencyNode.consultation_id == consultation_id)).all()
    assert all(tree.hash_at(level, index) == hashed for level, index, hashed in nodes)
    assert len(nodes) == sum(total >> level for level in range(1, total.bit_length())
                             if level % ledger.STORED_LEVELS == 0)


def test_two_sequencers_at_once_integrate_each_entry_exactly_once(app, factory, monkeypatch):
    monkeypatch.setattr(ledger, "BATCH", 40)  # many small batches, so that the two runs interleave
    consultation, proposal = _log(factory)
    _pending(consultation, proposal, 400)
    total = 402  # opened, published, 400 votes

    results, errors = _in_threads(app, 2, lambda: ledger.integrate(consultation))

    assert errors == []
    assert len(results) == 2 and sum(results) == total
    _assert_integrated_once(consultation, total)


def test_writers_appending_while_sequencers_run_lose_nothing(app, factory, monkeypatch):
    monkeypatch.setattr(ledger, "BATCH", 25)
    consultation, proposal = _log(factory)
    _pending(consultation, proposal, 100)
    counter = iter(range(1000, 1000000, 50))
    lock = threading.Lock()

    def work():
        with lock:
            first = next(counter)
        _pending(consultation, proposal, 50, first_vote=first)
        return ledger.integrate(consultation)

    results, errors = _in_threads(app, 4, work)
    assert errors == []
    ledger.integrate(consultation)  # whatever was committed after the last run's last look
    _assert_integrated_once(consultation, 2 + 100 + 4 * 50)


def test_a_re_dating_in_flight_is_waited_for_and_the_log_never_says_closed(app, factory):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL row lock held by another session (SQLite serialises writers)")
    from aga_consulta.consultations.models import Consultation

    consultation = factory.consultation(state="closed")
    consultation_id = consultation.id
    later = utcnow() + timedelta(days=7)
    editor = db.engine.connect()
    results = {}
    try:
        # A moderator's extension of the window, its UPDATE done, not committed yet.
        editor.execute(Consultation.__table__.update().where(Consultation.__table__.c.id == consultation_id)
                       .values(closes_at=later))
        runner = threading.Thread(target=lambda: results.update(done=_integrate_in_context(app, consultation_id)))
        runner.start()
        runner.join(timeout=2)
        assert runner.is_alive()  # the closing path waits for the row
        editor.commit()
    finally:
        editor.close()
    runner.join(timeout=60)
    assert results["done"] == 1  # the opening only: no closing entry
    db.session.expire_all()
    assert kinds(consultation_id) == ["consultation.opened"]
    # Once the new end has passed, the closing is written, with the new end.
    ledger.integrate(consultation_id, now=later + timedelta(seconds=1))
    assert kinds(consultation_id) == ["consultation.opened", "consultation.closed"]


def _integrate_in_context(app, consultation_id):
    with app.app_context():
        try:
            return ledger.integrate(consultation_id)
        finally:
            db.session.remove()


def kinds(consultation_id):
    rows = db.session.execute(select(TransparencyEntry.entry).where(TransparencyEntry.consultation_id == consultation_id)
                              .order_by(TransparencyEntry.leaf_index, TransparencyEntry.id)).scalars()
    return [canonical.loads(row)["type"] for row in rows]
