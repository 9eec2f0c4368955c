"""The transparency log (issue 14): entries, the Merkle tree's nodes, signed checkpoints.

Entries are written by the services in the acts' own transactions and integrated by the
sequencer; `flask transparency backfill` builds the log of consultations that existed
before this revision (it needs the application's keys, which a migration does not have).

Revision ID: 0020
Revises: 0010
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'transparency_entries',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('entry', sa.LargeBinary(), nullable=False),
        sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('participant', sa.String(length=24), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('leaf_index', sa.BigInteger(), nullable=True),
        sa.CheckConstraint('leaf_index IS NULL OR leaf_index >= 0', name=op.f('ck_transparency_entries_leaf_index_natural')),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_transparency_entries_consultation_id_consultations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_entries')),
        sa.UniqueConstraint('consultation_id', 'leaf_index', name='uq_transparency_entries_leaf'),
    )
    with op.batch_alter_table('transparency_entries', schema=None) as batch_op:
        batch_op.create_index('ix_transparency_entries_pending', ['consultation_id', 'id'], unique=False)
        batch_op.create_index('ix_transparency_entries_participant', ['consultation_id', 'participant'], unique=False)

    op.create_table(
        'transparency_nodes',
        sa.Column('consultation_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('index', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_transparency_nodes_consultation_id_consultations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('consultation_id', 'level', 'index', name=op.f('pk_transparency_nodes')),
    )
    op.create_table(
        'transparency_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('size >= 0', name=op.f('ck_transparency_checkpoints_size_natural')),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_transparency_checkpoints_consultation_id_consultations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_checkpoints')),
        sa.UniqueConstraint('consultation_id', 'size', name='uq_transparency_checkpoints_size'),
    )


def downgrade():
    op.drop_table('transparency_checkpoints')
    op.drop_table('transparency_nodes')
    with op.batch_alter_table('transparency_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_transparency_entries_participant')
        batch_op.drop_index('ix_transparency_entries_pending')
    op.drop_table('transparency_entries')
