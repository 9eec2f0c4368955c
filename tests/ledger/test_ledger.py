"""The stored log: writers append in their own transaction, the sequencer integrates, proofs verify."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from aga_consulta.comments.moderation import hide_comment, restore_comment
from aga_consulta.comments.services import add_comment
from aga_consulta.consultations.services import update_consultation
from aga_consulta.extensions import db
from aga_consulta.ledger import keys, services as ledger
from aga_consulta.ledger.models import TransparencyCheckpoint, TransparencyEntry, TransparencyNode
from aga_consulta.proposals.services import update_proposal
from aga_consulta.proposals.workflow import change_status
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import canonical, merkle
from aga_consulta.transparency.note import open_checkpoint
from aga_consulta.transparency.verify import replay
from aga_consulta.voting.services import AlreadyVoted, cast_vote, withdraw_vote
from tests.ledger.test_concurrency import _pending
from aga_consulta.tally.services import compute_tally


def kinds(consultation):
    rows = db.session.scalars(select(TransparencyEntry).where(TransparencyEntry.consultation_id == consultation.id)
                              .order_by(TransparencyEntry.id))
    return [canonical.loads(row.entry)["type"] for row in rows]


def test_every_act_appends_its_entry(factory, moderator):
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    citizen = factory.user()
    cast_vote(citizen, proposal)
    withdraw_vote(citizen, proposal)
    comment = add_comment(citizen, proposal, "Un comentario con texto")
    hide_comment(moderator, comment, "Fuera de tema")
    restore_comment(moderator, comment, "Revisado")
    change_status(moderator, proposal, "shortlisted", "Cumple los criterios")
    update_proposal(moderator, proposal, {"code": proposal.code, "title": "Otro título", "scope": "national",
                                          "summary": "Resumen", "body": "Cuerpo", "department_code": "",
                                          "theme": "", "proposer": "Entidad"})
    update_consultation(moderator, consultation, title=consultation.title,
                        opens_at=consultation.opens_at, closes_at=consultation.closes_at + timedelta(days=1))
    assert kinds(consultation) == [
        "consultation.opened", "proposal.published", "vote.cast", "vote.withdrawn", "comment.made",
        "comment.hidden", "comment.restored", "proposal.status", "proposal.edited", "consultation.redated",
    ]
    entry = canonical.loads(db.session.scalars(select(TransparencyEntry.entry).where(
        TransparencyEntry.kind == "vote.cast")).one())
    assert entry["participant"] == ledger.participant(consultation.id, citizen.id)
    assert citizen.email not in str(entry)


def test_a_refused_vote_appends_nothing(factory):
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    citizen = factory.user()
    cast_vote(citizen, proposal)
    with pytest.raises(AlreadyVoted):
        cast_vote(citizen, proposal)
    assert kinds(consultation).count("vote.cast") == 1


def test_integrate_signs_a_checkpoint_and_proofs_verify(factory):
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    for _ in range(5):
        cast_vote(factory.user(), proposal)
    assert ledger.integrate(consultation.id) == 7
    assert ledger.integrate(consultation.id) == 0  # nothing twice
    first = ledger.latest_checkpoint(consultation.id)
    cast_vote(factory.user(), proposal)
    assert ledger.integrate(consultation.id) == 1
    latest = ledger.latest_checkpoint(consultation.id)
    checkpoint = open_checkpoint(latest.note, [keys.signer().verifier])
    assert (checkpoint.size, checkpoint.origin) == (8, keys.origin(consultation.slug))
    log = ledger.entries_range(consultation.id, 0, 8)
    assert merkle.root_of_leaf_hashes(merkle.leaf_hash(e) for e in log) == checkpoint.root_hash
    for index in range(8):
        proof = [bytes.fromhex(h) for h in ledger.inclusion_proof(consultation.id, index, 8)]
        merkle.verify_inclusion(merkle.leaf_hash(log[index]), index, 8, proof, checkpoint.root_hash)
    proof = [bytes.fromhex(h) for h in ledger.consistency_proof(consultation.id, 7, 8)]
    merkle.verify_consistency(7, 8, proof, first.root_hash, checkpoint.root_hash)
    assert replay(log).figures()["votes"] == compute_tally(consultation)["votes"]


def test_integrate_writes_the_closing_once(factory):
    consultation = factory.consultation()
    ledger.integrate(consultation.id, now=utcnow() + timedelta(days=2))
    ledger.integrate(consultation.id, now=utcnow() + timedelta(days=3))
    assert kinds(consultation) == ["consultation.opened", "consultation.closed"]
    assert db.session.scalar(select(TransparencyCheckpoint.size).order_by(TransparencyCheckpoint.size.desc()).limit(1)) == 2


def test_a_run_that_fails_mid_batch_leaves_nothing(factory, monkeypatch):
    consultation = factory.consultation()
    factory.proposal(consultation)

    def broken(*args, **kwargs):
        raise RuntimeError("killed")
    monkeypatch.setattr(ledger, "sign_checkpoint", broken)
    with pytest.raises(RuntimeError):
        ledger.integrate(consultation.id)
    db.session.rollback()
    assert db.session.scalar(select(TransparencyEntry.leaf_index).where(TransparencyEntry.leaf_index.is_not(None)).limit(1)) is None
    monkeypatch.undo()
    assert ledger.integrate(consultation.id) == 2
    assert sorted(db.session.scalars(select(TransparencyEntry.leaf_index))) == [0, 1]


def test_bad_proof_parameters_are_refused(factory):
    consultation = factory.consultation()
    ledger.integrate(consultation.id)
    for index, size in ((1, 1), (-1, 1), (0, 2)):
        with pytest.raises(ValueError):
            ledger.inclusion_proof(consultation.id, index, size)
    for first, second in ((0, 1), (2, 1), (1, 2)):
        with pytest.raises(ValueError):
            ledger.consistency_proof(consultation.id, first, second)


def test_the_closing_check_reads_the_window_entries_in_log_order(factory, moderator):
    # A re-dating can take its id before a closing it commits after: the log then holds the
    # closing first, and the re-dating is what holds, so the next end must be written again.
    consultation = factory.consultation(state="closed")
    ledger.integrate(consultation.id)
    assert kinds(consultation) == ["consultation.opened", "consultation.closed"]
    later = utcnow() + timedelta(days=7)
    update_consultation(moderator, consultation, title=consultation.title,
                        opens_at=consultation.opens_at, closes_at=later)
    ledger.integrate(consultation.id)
    ids = dict(db.session.execute(select(TransparencyEntry.kind, TransparencyEntry.id).where(
        TransparencyEntry.consultation_id == consultation.id)).all())
    # The re-dating's id is now made smaller than the closing's, as when it was taken first.
    redated_id, closed_id = ids["consultation.redated"], ids["consultation.closed"]
    db.session.execute(TransparencyEntry.__table__.update().where(TransparencyEntry.id == redated_id)
                       .values(id=-1))
    db.session.execute(TransparencyEntry.__table__.update().where(TransparencyEntry.id == closed_id)
                       .values(id=redated_id))
    db.session.execute(TransparencyEntry.__table__.update().where(TransparencyEntry.id == -1)
                       .values(id=closed_id))
    db.session.commit()
    ledger.integrate(consultation.id, now=later + timedelta(seconds=1))
    window = list(db.session.scalars(select(TransparencyEntry.kind).where(
        TransparencyEntry.consultation_id == consultation.id, TransparencyEntry.kind.startswith("consultation."))
        .order_by(TransparencyEntry.leaf_index)))
    assert window == ["consultation.opened", "consultation.closed", "consultation.redated", "consultation.closed"]


def test_proofs_from_the_stored_levels_match_the_whole_tree(factory, monkeypatch):
    # Enough entries for nodes at stored levels (4 and 8) and for levels computed between
    # them, integrated in uneven batches so that batches end inside subtrees.
    monkeypatch.setattr(ledger, "BATCH", 37)
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    _pending(consultation.id, proposal.id, 298)
    ledger.integrate(consultation.id)
    leaves = list(db.session.scalars(select(TransparencyEntry.leaf_hash).where(
        TransparencyEntry.consultation_id == consultation.id).order_by(TransparencyEntry.leaf_index)))
    assert len(leaves) == 300  # opened, published, 298 votes
    tree = merkle.MemoryTree(leaves)
    levels = set(db.session.scalars(select(TransparencyNode.level).where(
        TransparencyNode.consultation_id == consultation.id)))
    assert levels == {4, 8}
    for size in (1, 16, 17, 255, 256, 257, 299, 300):
        for index in {0, size // 2, size - 1}:
            assert ledger.inclusion_proof(consultation.id, index, size) == [h.hex() for h in tree.inclusion_proof(index, size)]
    for first, second in ((1, 300), (16, 17), (100, 256), (255, 257), (257, 300), (300, 300)):
        assert ledger.consistency_proof(consultation.id, first, second) == [
            h.hex() for h in tree.consistency_proof(first, second)]
    # A log written before, with every level stored, proves the same (the extra rows are not read).
    db.session.execute(TransparencyNode.__table__.insert(), [
        {"consultation_id": consultation.id, "level": level, "index": index, "hash": b"\xff" * 32}
        for level in (1, 2, 3, 5) for index in range(300 >> level)])
    db.session.commit()
    assert ledger.inclusion_proof(consultation.id, 5, 300) == [h.hex() for h in tree.inclusion_proof(5, 300)]
    # More entries on top of it: the batch reads the old right edge through the stored levels.
    _pending(consultation.id, proposal.id, 41, first_vote=299)
    ledger.integrate(consultation.id)
    leaves = list(db.session.scalars(select(TransparencyEntry.leaf_hash).where(
        TransparencyEntry.consultation_id == consultation.id).order_by(TransparencyEntry.leaf_index)))
    assert ledger.latest_checkpoint(consultation.id).root_hash == merkle.root_of_leaf_hashes(leaves)


def test_a_missing_stored_node_is_an_error_not_a_wrong_proof(factory):
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    _pending(consultation.id, proposal.id, 30)
    ledger.integrate(consultation.id)
    db.session.execute(TransparencyNode.__table__.delete().where(TransparencyNode.consultation_id == consultation.id))
    db.session.commit()
    with pytest.raises(LookupError):
        ledger.inclusion_proof(consultation.id, 0, 32)
