"""Migration 0009 on a database that has accounts already: public names and the consent
version are backfilled, and SQLite's table copy keeps every row that points at users."""
import os
import sqlite3
import subprocess
import sys

USERS = [
    (1, "ana@example.co", "Ana María Torres Pérez", "citizen"),
    (2, "eq@example.co", "Equipo de Moderación (oficial)", "citizen"),
    (3, "mora@example.co", "Equipo de Moderación", "moderator"),
    (4, "rlo@example.co", "Beto\u202e Ruiz", "citizen"),
]


def _flask(database, *args):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", AGA_CONFIG="development")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *args], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_existing_accounts_get_a_public_name_and_consent_version_0(tmp_path):
    database = tmp_path / "old.db"
    _flask(database, "upgrade", "0008")
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executemany(
            "INSERT INTO users (id, email, name, password_hash, department_code, role, active, session_token,"
            " consented_at, created_at) VALUES (?, ?, ?, 'x', '11', ?, 1, 't' || ?, '2026-01-01', '2026-01-01')",
            [(*user, user[0]) for user in USERS])
        conn.execute("INSERT INTO consultations (id, slug, title, description, opens_at, closes_at, is_reconstruction,"
                     " created_at) VALUES (1, 'c', 'C', 'D', '2026-01-01', '2027-01-01', 0, '2026-01-01')")
        conn.execute("INSERT INTO proposals (id, consultation_id, code, title, summary, body, scope, proposer, created_at)"
                     " VALUES (1, 1, 'P1', 'T', 'S', 'B', 'national', 'E', '2026-01-01')")
        conn.executemany("INSERT INTO votes (user_id, proposal_id, consultation_id, cast_at) VALUES (?, 1, 1, '2026-02-01')",
                         [(1,), (2,)])
        conn.execute("INSERT INTO comments (proposal_id, consultation_id, user_id, body, status, created_at)"
                     " VALUES (1, 1, 1, 'Hola', 'published', '2026-02-01')")

    _flask(database, "upgrade")

    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT id, name, public_name, consent_version, consented_at FROM users ORDER BY id").fetchall()
        assert rows == [
            (1, "Ana María Torres Pérez", "Ana T.", "0", "2026-01-01"),
            (2, "Equipo de Moderación (oficial)", "Participante 2", "0", "2026-01-01"),
            (3, "Equipo de Moderación", "Equipo M.", "0", "2026-01-01"),  # staff may
            (4, "Beto Ruiz", "Beto R.", "0", "2026-01-01"),
        ]
        assert conn.execute("SELECT count(*) FROM votes").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM comments").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        schema = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
        assert "public_name VARCHAR(60) NOT NULL" in schema and "consent_version VARCHAR(16) NOT NULL" in schema
        assert "ck_users_role_valid" in schema and "ck_users_deleted_inactive" in schema

    _flask(database, "downgrade", "0008")
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (4,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
