"""Proposal codes unique in a consultation ignoring case: a unique index on lower(code).

The forms, the import and the seed already refuse "p0" beside "P0" (proposals.services);
this index makes the database refuse it too, whatever writes the row. It stops with the
clashing codes listed if a database already holds some, so they can be renamed first.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

INDEX = "uq_proposals_consultation_lower_code"


def upgrade():
    clashes = op.get_bind().execute(sa.text(
        "SELECT consultation_id, lower(code), count(*) FROM proposals"
        " GROUP BY consultation_id, lower(code) HAVING count(*) > 1"
    )).fetchall()
    if clashes:
        listed = ", ".join(f"consultation {c} code {code!r} ({n} proposals)" for c, code, n in clashes)
        raise RuntimeError(f"Rename these proposal codes first (they differ only in case): {listed}")
    op.create_index(INDEX, "proposals", ["consultation_id", sa.text("lower(code)")], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name="proposals")
