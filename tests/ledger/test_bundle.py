"""The open-data bundle verifies with the standalone verifier, to the figures of compute_tally."""
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from aga_consulta.comments.moderation import hide_comment
from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.proposals.workflow import change_status
from aga_consulta.tally.services import compute_tally
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import cast_vote, withdraw_vote
from tests.helpers import login

VERIFY = Path(__file__).resolve().parents[2] / "aga_consulta" / "transparency" / "verify.py"
TALLY_KEYS = ("participants", "voters", "commenters", "votes", "comments", "selected", "proposals")


def run_verify(*args):
    return subprocess.run([sys.executable, str(VERIFY), *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture
def consultation(factory, moderator):
    consultation = factory.consultation(slug="con-paquete")
    national = factory.proposal(consultation, code="N-1")
    local = factory.proposal(consultation, code="S-1", scope="subnational", department="05")
    citizens = [factory.user(department=d) for d in ("11", "05", "76", "11")]
    for citizen in citizens[:3]:
        cast_vote(citizen, national)
    cast_vote(citizens[0], local)
    withdraw_vote(citizens[1], national)
    add_comment(citizens[3], local, "Comentario publicado")
    hidden = add_comment(citizens[2], national, "Comentario ocultado")
    hide_comment(moderator, hidden, "Ofensivo")
    change_status(moderator, local, "shortlisted", "Pasa a la lista corta")
    return consultation


def test_the_bundle_verifies_to_the_tally(client, consultation, tmp_path, runner):
    ledger.integrate(consultation.id)  # a download changes nothing: the sequencer has run
    response = client.get("/consultations/con-paquete/export/bundle.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.data)
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert {"manifest.json", "ledger.jsonl", "comments.jsonl", "checkpoint.txt", "verifier-key.txt",
            "proposals.csv", "summary.csv"} <= set(names)
    result = run_verify(path)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    tally = compute_tally(consultation)
    assert {key: figures[key] for key in TALLY_KEYS} == {key: tally[key] for key in TALLY_KEYS}
    out = tmp_path / "cli.zip"
    result = runner.invoke(args=["bundle", "con-paquete", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert run_verify(out).returncode == 0


def test_replies_under_a_hidden_comment_are_hidden_with_it(client, factory, moderator, tmp_path):
    consultation = factory.consultation(slug="con-hilo")
    proposal = factory.proposal(consultation)
    thread = add_comment(factory.user(), proposal, "Comentario que se ocultará")
    add_comment(factory.user(), proposal, "Respuesta que queda bajo un comentario oculto", parent=thread)
    add_comment(factory.user(), proposal, "Comentario visible")
    hide_comment(moderator, thread, "Ofensivo")
    ledger.integrate(consultation.id)
    path = tmp_path / "hilo.zip"
    path.write_bytes(client.get("/consultations/con-hilo/export/bundle.zip").data)
    texts = zipfile.ZipFile(path).read("comments.jsonl").decode()
    assert "Comentario visible" in texts and "Respuesta" not in texts
    result = run_verify(path)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["comments"] == compute_tally(consultation)["comments"] == {"received": 3, "published": 1, "hidden": 2}


def test_a_receipt_verifies_against_the_bundle(client, factory, consultation, tmp_path):
    factory.user(email="recibo@example.co")
    from aga_consulta.accounts.services import get_user_by_email
    cast_vote(get_user_by_email("recibo@example.co"), consultation.proposals.filter_by(code="N-1").one())
    ledger.integrate(consultation.id)
    login(client, "recibo@example.co")
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(client.get("/me/receipts.json").get_json()[0]))
    path = tmp_path / "bundle.zip"
    path.write_bytes(client.get("/consultations/con-paquete/export/bundle.zip").data)
    result = run_verify(path, "--receipt", receipt)
    assert result.returncode == 0, result.stdout + result.stderr


def _verify_download(client, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(client.get("/consultations/con-paquete/export/bundle.zip").data)
    return run_verify(path)


def test_a_vote_deleted_behind_the_apps_back_is_caught(client, consultation, tmp_path):
    ledger.integrate(consultation.id)
    victim = db.session.scalar(select(Vote.id).where(Vote.withdrawn_at.is_(None)).order_by(Vote.id).limit(1))
    db.session.execute(delete(Vote).where(Vote.id == victim))
    db.session.commit()
    result = _verify_download(client, tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("MISMATCH"), result.stdout
    assert "votes" in result.stdout


def test_a_vote_withdrawn_behind_the_apps_back_is_caught(client, consultation, tmp_path):
    ledger.integrate(consultation.id)
    db.session.execute(update(Vote).where(Vote.withdrawn_at.is_(None)).values(withdrawn_at=Vote.cast_at))
    db.session.commit()
    result = _verify_download(client, tmp_path)
    assert result.returncode == 1 and "MISMATCH" in result.stdout


def test_a_vote_moved_to_another_proposal_behind_the_apps_back_is_caught(client, consultation, tmp_path):
    ledger.integrate(consultation.id)
    national = consultation.proposals.filter_by(code="N-1").one()
    local = consultation.proposals.filter_by(code="S-1").one()
    # One vote of N-1 becomes a vote of S-1: the totals stay, the proposals' counts do not.
    on_local = select(Vote.user_id).where(Vote.proposal_id == local.id)
    moved = db.session.scalar(select(Vote.id).where(Vote.proposal_id == national.id, Vote.withdrawn_at.is_(None),
                                                    Vote.user_id.not_in(on_local)).limit(1))
    db.session.execute(update(Vote).where(Vote.id == moved).values(proposal_id=local.id))
    db.session.commit()
    result = _verify_download(client, tmp_path)
    assert result.returncode == 1 and "MISMATCH" in result.stdout and "proposals.csv" in result.stdout, result.stdout


def test_a_byte_changed_in_the_bundle_is_caught(client, consultation, tmp_path):
    ledger.integrate(consultation.id)
    data = client.get("/consultations/con-paquete/export/bundle.zip").data
    source = zipfile.ZipFile(io.BytesIO(data))
    path = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "summary.csv":
                content = content.replace(b"\r\n", b"\r\n", 1)[:-3] + b"9\r\n"
            target.writestr(info, content)
    result = run_verify(path)
    assert result.returncode == 1 and "MISMATCH" in result.stdout


def test_a_closed_consultations_bundle_is_reproducible(client, factory):
    consultation = factory.consultation(slug="cerrada", state="closed")
    ledger.integrate(consultation.id)
    first = client.get("/consultations/cerrada/export/bundle.zip").data
    second = client.get("/consultations/cerrada/export/bundle.zip").data
    assert first == second


def test_downloading_a_bundle_changes_nothing(client, factory):
    consultation = factory.consultation(slug="sin-integrar")
    assert client.get("/consultations/sin-integrar/export/bundle.zip").status_code == 404  # no checkpoint yet
    assert ledger.latest_checkpoint(consultation.id) is None


def test_unknown_consultation_bundle_is_404(client):
    assert client.get("/consultations/no-existe/export/bundle.zip").status_code == 404
