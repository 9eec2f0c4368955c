"""The sequencer's indexes hold only what they look for (issue 14).

`ix_transparency_entries_pending` covered every entry, so the site's check for waiting
entries (the oldest `created_at` where `leaf_index IS NULL`) read the whole unique leaf index
on PostgreSQL, more each time as the log grew. It is replaced by
`ix_transparency_entries_waiting`, partial on `leaf_index IS NULL`. The latest window entry,
which the closing check looks for, gets a partial index of its own instead of a walk back
over the votes.

PostgreSQL builds and drops them CONCURRENTLY, outside a transaction: a plain CREATE or DROP
INDEX would stop every vote (its log entry) for as long as the build reads the log.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 05:40:00.000000

"""
from contextlib import nullcontext

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

TABLE = 'transparency_entries'
WAITING = "leaf_index IS NULL"
# The kinds as they were when this migration was written (a migration never changes later).
WINDOW = "kind IN ('consultation.opened', 'consultation.redated', 'consultation.closed')"


def _online():
    """(context, options): PostgreSQL works outside a transaction and concurrently; SQLite as usual."""
    if op.get_bind().dialect.name == "postgresql":
        return op.get_context().autocommit_block(), {"postgresql_concurrently": True}
    return nullcontext(), {}


def upgrade():
    block, options = _online()
    with block:
        op.create_index('ix_transparency_entries_waiting', TABLE, ['consultation_id', 'id'],
                        postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING), **options)
        op.create_index('ix_transparency_entries_window', TABLE, ['consultation_id', 'id'],
                        postgresql_where=sa.text(WINDOW), sqlite_where=sa.text(WINDOW), **options)
        op.drop_index('ix_transparency_entries_pending', table_name=TABLE, **options)


def downgrade():
    block, options = _online()
    with block:
        op.create_index('ix_transparency_entries_pending', TABLE, ['consultation_id', 'id'], **options)
        op.drop_index('ix_transparency_entries_window', table_name=TABLE, **options)
        op.drop_index('ix_transparency_entries_waiting', table_name=TABLE, **options)
