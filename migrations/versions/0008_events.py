"""Events (workshops, expert sessions) and their attendance; the audit log learns the event actions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import in_list, set_audit_actions


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

EVENT_KINDS = ('workshop', 'expert_session')
SECTORS = ('public_sector', 'civil_society', 'academia', 'private_sector', 'other')
ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download', 'process.create', 'survey.create')
ACTIONS_AFTER = ACTIONS_BEFORE + ('event.create', 'event.attendance', 'event.import', 'event.notes')


def upgrade():
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('notes_published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(in_list('kind', EVENT_KINDS), name=op.f('ck_events_kind_valid')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_times_valid')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_events_capacity_positive')),
    sa.CheckConstraint('place IS NOT NULL OR link IS NOT NULL', name=op.f('ck_events_place_or_link')),
    sa.ForeignKeyConstraint(['step_id'], ['process_steps.id'], name=op.f('fk_events_step_id_process_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_step_id'), ['step_id'], unique=False)
    op.create_table('event_attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=2), nullable=False),
    sa.Column('sector', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(in_list('sector', SECTORS), name=op.f('ck_event_attendances_sector_valid')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_event_attendances_department_code_departments')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_attendances_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_attendances_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_attendances')),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_event_attendances_person')
    )
    with op.batch_alter_table('event_attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_attendances_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendances_user_id'), ['user_id'], unique=False)
    set_audit_actions(ACTIONS_AFTER)


def downgrade():
    set_audit_actions(ACTIONS_BEFORE)
    op.drop_table('event_attendances')
    op.drop_table('events')
