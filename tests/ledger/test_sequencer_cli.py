"""The sequencer's commands, the site's own runs, and the backfill of logs recorded before the log."""
from datetime import timedelta

from sqlalchemy import delete, select

from aga_consulta.comments.moderation import hide_comment
from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.ledger.backfill import backfill
from aga_consulta.ledger.models import TransparencyCheckpoint, TransparencyEntry, TransparencyNode
from aga_consulta.proposals.workflow import change_status
from aga_consulta.tally.services import compute_tally
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency.note import Signer
from aga_consulta.transparency.verify import replay
from aga_consulta.voting.services import cast_vote, withdraw_vote

TALLY_KEYS = ("participants", "voters", "commenters", "votes", "comments", "selected", "proposals")


def test_flask_transparency_integrate(factory, runner):
    consultation = factory.consultation()
    factory.proposal(consultation)
    result = runner.invoke(args=["transparency", "integrate"])
    assert result.exit_code == 0, result.output
    assert "Integrated 2 entries in 1 logs." in result.output
    assert ledger.latest_checkpoint(consultation.id).size == 2


def test_flask_transparency_keygen_prints_a_signer_key(runner):
    result = runner.invoke(args=["transparency", "keygen", "--name", "example.org/transparency"])
    assert result.exit_code == 0
    signer = Signer.parse(result.stdout.strip().splitlines()[0])
    assert signer.name == "example.org/transparency"


def test_the_site_integrates_once_an_entry_waited(factory):
    consultation = factory.consultation()
    assert not ledger.integrate_if_due(now=utcnow())  # fresh: within the MMD
    assert ledger.integrate_if_due(now=utcnow() + timedelta(seconds=30))
    assert ledger.latest_checkpoint(consultation.id).size == 1


def test_backfill_rebuilds_the_log_in_time_order(factory, moderator):
    consultation = factory.consultation()
    proposals = [factory.proposal(consultation), factory.proposal(consultation, scope="subnational")]
    citizens = [factory.user() for _ in range(3)]
    for citizen in citizens:
        cast_vote(citizen, proposals[0])
    withdraw_vote(citizens[0], proposals[0])
    cast_vote(citizens[0], proposals[1])
    comment = add_comment(citizens[1], proposals[1], "Comentario que se ocultará")
    add_comment(citizens[2], proposals[0], "Comentario visible")
    hide_comment(moderator, comment, "Ofensivo")
    change_status(moderator, proposals[1], "shortlisted", "Pasa a la lista corta")
    for model in (TransparencyCheckpoint, TransparencyNode, TransparencyEntry):
        db.session.execute(delete(model))
    db.session.commit()
    assert backfill(consultation.id) > 0
    assert backfill(consultation.id) == 0  # a log that exists is never rebuilt
    log = ledger.entries_range(consultation.id, 0, 100)
    figures = replay(log).figures()
    tally = compute_tally(consultation)
    assert {key: figures[key] for key in TALLY_KEYS} == {key: tally[key] for key in TALLY_KEYS}


def test_flask_transparency_backfill(factory, runner):
    consultation = factory.consultation()
    db.session.execute(delete(TransparencyEntry))
    db.session.commit()
    result = runner.invoke(args=["transparency", "backfill"])
    assert result.exit_code == 0, result.output
    assert "Backfilled 1 entries in 1 logs." in result.output
    assert db.session.scalar(select(TransparencyEntry.leaf_index)) == 0


def test_the_sequencer_process_integrates_what_waited(app, factory, monkeypatch):
    from aga_consulta.ledger import sequencer

    consultation = factory.consultation()
    monkeypatch.setattr(sequencer.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(sequencer.services, "utcnow", lambda: utcnow() + timedelta(seconds=30))
    sequencer.watch(app, runs=1)
    assert ledger.latest_checkpoint(consultation.id).size == 1
