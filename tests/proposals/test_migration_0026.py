"""Migration 0026 on a SQLite database that has proposals already: they are indexed at once,
the triggers follow later changes, and the downgrade removes the search's table and triggers."""
import os
import sqlite3
import subprocess
import sys


def _flask(database, *args):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", AGA_CONFIG="development")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *args], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _matches(conn, words):
    return [row[0] for row in conn.execute(
        "SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ? ORDER BY rowid", (words,))]


def test_existing_proposals_are_indexed_and_kept_in_step(tmp_path):
    database = tmp_path / "old.db"
    _flask(database, "upgrade", "0020")
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO consultations (id, slug, title, description, opens_at, closes_at, is_reconstruction,"
                     " created_at) VALUES (1, 'c', 'C', 'D', '2026-01-01', '2027-01-01', 0, '2026-01-01')")
        conn.execute("INSERT INTO proposals (id, consultation_id, code, title, summary, body, scope, proposer, created_at)"
                     " VALUES (1, 1, 'P1', 'Participación ciudadana', 'S', 'B', 'national', 'E', '2026-01-01')")

    _flask(database, "upgrade", "0026")

    with sqlite3.connect(database) as conn:
        assert _matches(conn, '"participacion"*') == [1]
        conn.execute("UPDATE proposals SET title = 'Datos abiertos' WHERE id = 1")
        assert _matches(conn, '"participacion"*') == [] and _matches(conn, '"datos"') == [1]
        conn.execute("DELETE FROM proposals WHERE id = 1")
        assert _matches(conn, '"datos"') == []

    _flask(database, "downgrade", "0020")
    with sqlite3.connect(database) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'proposals_fts%'")}
        assert names == set()
