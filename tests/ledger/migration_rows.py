"""Rows the migration tests write with plain SQL, in the schema of the revision under test."""
from datetime import datetime

from sqlalchemy import text

AT = datetime(2026, 1, 5, 10, 0, 0)


def add_consultation(conn):
    """Write consultation 1 ('plan'), open from AT for a month."""
    conn.execute(text("INSERT INTO consultations (id, slug, title, description, opens_at, closes_at, "
                      "created_at) VALUES (1, 'plan', 'Plan', '', :at, :closes, :at)"),
                 {"at": AT, "closes": AT.replace(month=2)})
