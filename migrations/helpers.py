"""What the migrations share: the audit log's CHECK on its vocabulary, its append-only triggers, SQLite switches.

The versions import it as `migrations.helpers` (the project root is on the import path under
`flask db` and under the tests). A migration's behaviour must never change once released:
change a helper only in ways that keep every statement a released migration runs.
"""
from alembic import op

#: What the audit log's triggers (0002) say when something tries to change or delete a row.
APPEND_ONLY_MESSAGE = "audit_log is append-only"

# Recreating audit_log on SQLite (batch mode) drops its append-only triggers (0002): put them back.
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
]


def in_list(column, values):
    """The SQL condition that `column` holds one of `values`: `column IN ('a', 'b')`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def is_sqlite():
    """True when the migration runs on SQLite."""
    return op.get_bind().dialect.name == "sqlite"


def set_audit_actions(actions, actor_roles=None):
    """Replace the audit log's CHECK on `action` (and on `actor_role`, when given) with one listing them.

    On SQLite the batch recreates audit_log, which drops its append-only triggers: they are
    created again.
    """
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_log_action_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_log_action_valid'), in_list('action', actions))
        if actor_roles is not None:
            batch_op.drop_constraint(op.f('ck_audit_log_actor_role_valid'), type_='check')
            batch_op.create_check_constraint(op.f('ck_audit_log_actor_role_valid'), in_list('actor_role', actor_roles))
    if is_sqlite():
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def sqlite_foreign_keys(on):
    """Switch SQLite's foreign-key enforcement (a no-op elsewhere).

    Batch mode recreates a table (copy, drop, rename). Dropping a table that other rows
    reference fails while SQLite enforces foreign keys, and the switch only takes effect
    outside a transaction: so the transaction so far is committed first. The copy keeps
    every id, so every reference stays valid.
    """
    if is_sqlite():
        bind = op.get_bind()
        raw = bind.connection.dbapi_connection
        if raw.in_transaction:
            raw.commit()
        bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
