"""Migration 0029 puts the leaf indexes back on the entries and drops the queue, both ways."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from aga_consulta import create_app
from aga_consulta.extensions import db
from tests.ledger.migration_rows import AT, add_consultation


def _insert_entry(conn, entry_id):
    conn.execute(text(
        "INSERT INTO transparency_entries (id, consultation_id, entry, leaf_hash, kind, created_at) "
        "VALUES (:id, 1, :entry, :hash, 'vote.cast', :at)"),
        {"id": entry_id, "entry": b'{"n":%d}' % entry_id, "hash": bytes([entry_id]) * 32, "at": AT})


def _schema(conn):
    tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    triggers = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                 " AND tbl_name = 'transparency_entries'")).scalars().all()
    indexes = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"
                                " AND tbl_name = 'transparency_entries'")).scalars().all()
    return set(tables), triggers, set(indexes)


def test_the_leaves_come_back_to_the_entries_and_the_queue_goes(tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/queue.db"})
    with app.app_context():
        upgrade(revision="0028")
        with db.engine.begin() as conn:
            add_consultation(conn)
            for entry_id in (1, 2, 3):
                _insert_entry(conn, entry_id)  # queued by 0028's trigger
            # Two integrated, their leaf indexes against id order (as commits can make them).
            conn.execute(text("INSERT INTO transparency_leaves (consultation_id, leaf_index, entry_id) "
                              "VALUES (1, 0, 2), (1, 1, 1)"))
            conn.execute(text("DELETE FROM transparency_pending WHERE entry_id IN (1, 2)"))
        upgrade(revision="0029")
        with db.engine.begin() as conn:
            moved = conn.execute(text("SELECT id, leaf_index FROM transparency_entries ORDER BY id")).all()
            tables, triggers, indexes = _schema(conn)
            # A new entry waits with no leaf index, and a second leaf 0 is refused by the database.
            _insert_entry(conn, 4)
            waiting = conn.execute(text("SELECT id FROM transparency_entries WHERE leaf_index IS NULL")).scalars().all()
        assert [tuple(row) for row in moved] == [(1, 1), (2, 0), (3, None)]
        assert waiting == [3, 4]
        assert "transparency_leaves" not in tables and "transparency_pending" not in tables
        assert not any(name.startswith("transparency_leaves_stage") for name in tables)
        assert triggers == []
        assert {"ix_transparency_entries_waiting", "ix_transparency_entries_window"} <= indexes
        with db.engine.connect() as conn:
            try:
                conn.execute(text("UPDATE transparency_entries SET leaf_index = 0 WHERE id = 3"))
                duplicate_refused = False
            except Exception:  # noqa: BLE001 - the unique constraint's error, whatever the driver calls it
                duplicate_refused = True
            conn.rollback()
        assert duplicate_refused
        downgrade(revision="0028")
        with db.engine.connect() as conn:
            leaves = conn.execute(text("SELECT leaf_index, entry_id FROM transparency_leaves ORDER BY leaf_index")).all()
            pending = conn.execute(text("SELECT entry_id FROM transparency_pending ORDER BY entry_id")).scalars().all()
            triggers = _schema(conn)[1]
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in leaves] == [(0, 2), (1, 1)]
    assert pending == [3, 4]
    assert triggers == ["transparency_entries_queue"]
