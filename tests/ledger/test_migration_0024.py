"""Migration 0024 builds the log of consultations recorded before it, in the order the acts happened."""
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, func, select

from aga_consulta.consultations.services import get_by_slug
from aga_consulta.extensions import db
from aga_consulta.ledger import keys
from aga_consulta.ledger import services as ledger
from aga_consulta.ledger.models import TransparencyCheckpoint, TransparencyEntry, TransparencyNode
from aga_consulta.tally.services import compute_tally
from tests.ledger.test_bundle import TALLY_KEYS, run_verify

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "migrations" / "versions" / "0024_transparency_backfill.py"
SECRET = "a secret of this test"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0024", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flask(database, *args):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", AGA_CONFIG="development", SECRET_KEY=SECRET,
               TRANSPARENCY_SIGNER_KEY="", TRANSPARENCY_AUTO_INTEGRATE="0")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _records(conn):
    conn.executemany(
        "INSERT INTO users (id, email, name, public_name, password_hash, department_code, role, active, session_token,"
        " consented_at, consent_version, created_at) VALUES (?, ?, ?, ?, 'x', ?, ?, 1, 't' || ?, '2026-01-01', '1',"
        " '2026-01-01')",
        [(1, "ana@example.co", "Ana Torres", "Ana T.", "11", "citizen", 1),
         (2, "beto@example.co", "Beto Ruiz", "Beto R.", "05", "citizen", 2),
         (3, "caro@example.co", "Carolina Gil", "Carolina G.", "76", "citizen", 3),
         (4, "mod@example.co", "Mora Díaz", "Mora D.", "11", "moderator", 4)])
    conn.execute("INSERT INTO consultations (id, slug, title, description, opens_at, closes_at, is_reconstruction,"
                 " created_at) VALUES (1, 'antigua', 'Consulta antigua', 'D', '2026-01-01 00:00:00',"
                 " '2027-01-01 00:00:00', 0, '2025-12-20 10:00:00')")
    conn.execute("INSERT INTO proposals (id, consultation_id, code, title, summary, body, scope, proposer, status,"
                 " created_at) VALUES (1, 1, 'N-1', 'Datos abiertos', 'S', 'B', 'national', 'E', 'received',"
                 " '2025-12-21 10:00:00')")
    conn.execute("INSERT INTO proposals (id, consultation_id, code, title, summary, body, scope, department_code,"
                 " proposer, status, status_reason, created_at) VALUES (2, 1, 'S-1', 'Agua en Antioquia', 'S', 'B',"
                 " 'subnational', '05', 'E', 'shortlisted', 'Pasa', '2025-12-21 11:00:00')")
    conn.execute("INSERT INTO proposal_decisions (id, proposal_id, consultation_id, from_status, to_status, reason,"
                 " actor_id, actor_role, created_at) VALUES (1, 2, 1, 'received', 'shortlisted', 'Pasa', 4,"
                 " 'moderator', '2026-02-10 09:00:00')")
    # Inserted out of time order: the log must follow the times, not the ids.
    conn.executemany("INSERT INTO votes (id, user_id, proposal_id, consultation_id, cast_at, withdrawn_at)"
                     " VALUES (?, ?, ?, 1, ?, ?)",
                     [(1, 1, 1, "2026-02-05 10:00:00", None),
                      (2, 2, 1, "2026-01-05 10:00:00", "2026-01-06 10:00:00"),
                      (3, 2, 1, "2026-01-07 10:00:00", None),
                      (4, 3, 2, "2026-01-08 10:00:00", None)])
    conn.execute("INSERT INTO comments (id, proposal_id, consultation_id, user_id, body, status, created_at)"
                 " VALUES (1, 1, 1, 1, 'Publicado', 'published', '2026-01-09 10:00:00')")
    conn.execute("INSERT INTO comments (id, proposal_id, consultation_id, user_id, parent_id, body, status,"
                 " moderated_at, created_at) VALUES (2, 1, 1, 3, 1, 'Ocultado', 'hidden', '2026-01-11 10:00:00',"
                 " '2026-01-10 10:00:00')")


def test_upgrade_builds_a_log_that_verifies(tmp_path):
    database = tmp_path / "old.db"
    _flask(database, "db", "upgrade", "0020")
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        _records(conn)

    _flask(database, "db", "upgrade")

    with sqlite3.connect(database) as conn:
        kinds = [row[0] for row in conn.execute("SELECT kind FROM transparency_entries ORDER BY id")]
        assert kinds == ["consultation.opened", "proposal.published", "proposal.published", "vote.cast",
                         "vote.withdrawn", "vote.cast", "vote.cast", "comment.made", "comment.made",
                         "comment.hidden", "vote.cast", "proposal.status"]
        withdrawn = json.loads(conn.execute(
            "SELECT entry FROM transparency_entries WHERE kind = 'vote.withdrawn'").fetchone()[0])
        assert withdrawn["vote"] == 2 and withdrawn["at"] == "2026-01-06T10:00Z"
        assert conn.execute("SELECT count(*) FROM transparency_entries WHERE leaf_index IS NOT NULL").fetchone() == (0,)

    assert "Integrated 12 entries" in _flask(database, "transparency", "integrate")
    bundle = tmp_path / "antigua.zip"
    _flask(database, "bundle", "antigua", "--out", str(bundle))
    verified = run_verify(bundle)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    figures = json.loads(verified.stdout.strip().splitlines()[-1])
    assert (figures["participants"], figures["votes"], figures["comments"]["received"]) == (3, 3, 2)

    # The backfill again (from the revision before it): the consultation has its log, so
    # nothing is appended twice.
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (_migration().down_revision,))
    _flask(database, "db", "upgrade", _migration().revision)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM transparency_entries").fetchone() == (12,)


def test_a_consultation_with_a_log_is_left_alone_and_one_without_is_built(factory):
    logged = factory.consultation()
    factory.proposal(logged)
    bare = factory.consultation()
    factory.proposal(bare)
    db.session.execute(delete(TransparencyEntry).where(TransparencyEntry.consultation_id == bare.id))
    db.session.commit()
    before = db.session.scalar(select(func.count(TransparencyEntry.id)).where(TransparencyEntry.consultation_id == logged.id))

    done = _migration().backfill(db.session.connection(), keys.pseudonym_key())
    db.session.commit()

    assert done == {bare.id: 2}
    after = db.session.scalar(select(func.count(TransparencyEntry.id)).where(TransparencyEntry.consultation_id == logged.id))
    assert after == before
    assert _migration().backfill(db.session.connection(), keys.pseudonym_key()) == {}


def test_the_reference_consultation_backfilled_verifies_to_713_149_7(runner, tmp_path):
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    consultation = get_by_slug("iv-plan-2020")
    # A database as it stood at 0020: the records, and no log at all.
    for model in (TransparencyCheckpoint, TransparencyNode, TransparencyEntry):
        db.session.execute(delete(model))
    db.session.commit()

    done = _migration().backfill(db.session.connection(), keys.pseudonym_key())
    db.session.commit()
    assert done[consultation.id] > 0
    ledger.integrate_all()

    out = tmp_path / "iv-plan-2020.zip"
    result = runner.invoke(args=["bundle", "iv-plan-2020", "--out", str(out)])
    assert result.exit_code == 0, result.output
    verified = run_verify(out)
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]
    figures = json.loads(verified.stdout.strip().splitlines()[-1])
    tally = compute_tally(consultation)
    assert {key: figures[key] for key in TALLY_KEYS} == {key: tally[key] for key in TALLY_KEYS}
    assert (figures["participants"], figures["comments"]["received"], figures["selected"]["total"]) == (713, 149, 7)
