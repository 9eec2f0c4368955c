"""The sequencer's indexes hold only what they look for (issue 14).

`ix_transparency_entries_pending` covered every entry, so each sequencer run walked every
entry integrated before (and, until VACUUM, every row version the integration replaced) to
find the few still waiting: a run cost more than the last as the log grew. It is now partial
on `leaf_index IS NULL`. The latest window entry, which the closing check looks for, gets a
partial index of its own instead of walking back over the votes.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

PENDING = "leaf_index IS NULL"
# The kinds as they were when this migration was written (a migration never changes later).
WINDOW = "kind IN ('consultation.opened', 'consultation.redated', 'consultation.closed')"


def upgrade():
    op.drop_index('ix_transparency_entries_pending', table_name='transparency_entries')
    op.create_index('ix_transparency_entries_pending', 'transparency_entries', ['consultation_id', 'id'],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    op.create_index('ix_transparency_entries_window', 'transparency_entries', ['consultation_id', 'id'],
                    postgresql_where=sa.text(WINDOW), sqlite_where=sa.text(WINDOW))


def downgrade():
    op.drop_index('ix_transparency_entries_window', table_name='transparency_entries')
    op.drop_index('ix_transparency_entries_pending', table_name='transparency_entries')
    op.create_index('ix_transparency_entries_pending', 'transparency_entries', ['consultation_id', 'id'])
