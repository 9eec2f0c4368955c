"""A person's first vote or comment (users.first_participated_at), filled from the records.

A report counts toward hiding a comment only when its author could not have been created for
the purpose; having taken part before the comment existed is one of the signs. The votes and
comments already stored give the value for existing accounts (withdrawn votes included: they
were cast).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:12:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Two plain correlated UPDATEs, the same text on SQLite and PostgreSQL: the earliest vote,
# then the earliest comment where it is earlier still.
BACKFILL = [
    """
    UPDATE users SET first_participated_at = (
        SELECT min(votes.cast_at) FROM votes WHERE votes.user_id = users.id
    )
    """,
    """
    UPDATE users SET first_participated_at = (
        SELECT min(comments.created_at) FROM comments WHERE comments.user_id = users.id
    )
    WHERE EXISTS (
        SELECT 1 FROM comments WHERE comments.user_id = users.id
        AND (users.first_participated_at IS NULL OR comments.created_at < users.first_participated_at)
    )
    """,
]


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_participated_at', sa.DateTime(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('first_participated_at')
