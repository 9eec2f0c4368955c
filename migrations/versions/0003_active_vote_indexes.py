"""Partial indexes on active votes for the tally and the exports (index-only scans, withdrawn rows left out).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:06:33.707538

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_active_consultation_proposal', ['consultation_id', 'proposal_id'], unique=False, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.create_index('ix_votes_active_consultation_user', ['consultation_id', 'user_id'], unique=False, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))


def downgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_active_consultation_user', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index('ix_votes_active_consultation_proposal', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
