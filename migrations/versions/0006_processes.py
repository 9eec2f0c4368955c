"""Co-creation processes and their ordered steps; the audit log learns process.create.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import in_list, set_audit_actions


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

STEP_KINDS = ('thematic_survey', 'workshops', 'expert_sessions', 'call_for_proposals', 'consultation', 'selection')
ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download')
ACTIONS_AFTER = ACTIONS_BEFORE + ('process.create',)


def upgrade():
    op.create_table('processes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_practice', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('is_reconstruction', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processes')),
    sa.UniqueConstraint('slug', name=op.f('uq_processes_slug'))
    )
    op.create_table('process_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(in_list('kind', STEP_KINDS), name=op.f('ck_process_steps_kind_valid')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_process_steps_window_valid')),
    sa.CheckConstraint('position > 0', name=op.f('ck_process_steps_position_positive')),
    sa.CheckConstraint("(kind IN ('consultation', 'selection')) = (consultation_id IS NOT NULL)",
                       name=op.f('ck_process_steps_consultation_matches_kind')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                            name=op.f('fk_process_steps_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_process_steps_process_id_processes'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_steps')),
    sa.UniqueConstraint('process_id', 'kind', name='uq_process_steps_kind'),
    sa.UniqueConstraint('process_id', 'position', name='uq_process_steps_position')
    )
    with op.batch_alter_table('process_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_steps_consultation_id'), ['consultation_id'], unique=False)
    set_audit_actions(ACTIONS_AFTER)


def downgrade():
    set_audit_actions(ACTIONS_BEFORE)
    with op.batch_alter_table('process_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_steps_consultation_id'))
    op.drop_table('process_steps')
    op.drop_table('processes')
