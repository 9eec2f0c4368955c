"""Migration 0028 moves the leaf indexes to their own table and queues what waits, both ways."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from aga_consulta import create_app
from aga_consulta.extensions import db
from tests.ledger.migration_rows import AT, add_consultation


def _entries(conn, rows):
    for entry_id, leaf_index in rows:
        conn.execute(text(
            "INSERT INTO transparency_entries (id, consultation_id, entry, leaf_hash, kind, created_at, leaf_index) "
            "VALUES (:id, 1, :entry, :hash, 'vote.cast', :at, :leaf_index)"),
            {"id": entry_id, "entry": b'{"n":%d}' % entry_id, "hash": bytes([entry_id]) * 32, "at": AT,
             "leaf_index": leaf_index})


def test_the_leaves_move_out_and_back_and_the_waiting_entries_are_queued(tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db"})
    with app.app_context():
        upgrade(revision="0027")
        with db.engine.begin() as conn:
            add_consultation(conn)
            # Two integrated (their leaf indexes against id order, as commits can make them), one waiting.
            _entries(conn, [(1, 1), (2, 0), (3, None)])
        upgrade(revision="0028")
        with db.engine.begin() as conn:
            leaves = conn.execute(text("SELECT leaf_index, entry_id FROM transparency_leaves ORDER BY leaf_index")).all()
            pending = conn.execute(text("SELECT consultation_id, entry_id FROM transparency_pending")).all()
            assert [tuple(row) for row in leaves] == [(0, 2), (1, 1)]
            assert [tuple(row) for row in pending] == [(1, 3)]
            # From now on the database queues every new entry by itself.
            conn.execute(text("INSERT INTO transparency_entries (id, consultation_id, entry, leaf_hash, kind, "
                              "created_at) VALUES (4, 1, 'x', 'h', 'vote.cast', :at)"), {"at": AT})
            assert conn.execute(text("SELECT entry_id FROM transparency_pending ORDER BY entry_id")).scalars().all() == [3, 4]
            columns = [row[1] for row in conn.execute(text("PRAGMA table_info(transparency_entries)"))]
            assert "leaf_index" not in columns
            # The rebuilt table kept its partial index of window entries.
            window = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_transparency_entries_window'"))
            assert "WHERE" in window.scalar()
        downgrade(revision="0027")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT id, leaf_index FROM transparency_entries ORDER BY id")).all()
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
            triggers = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                         " AND tbl_name = 'transparency_entries'")).scalars().all()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in back] == [(1, 1), (2, 0), (3, None), (4, None)]
    assert "transparency_leaves" not in tables and "transparency_pending" not in tables
    assert triggers == []
