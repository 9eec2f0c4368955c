"""The AGA committee: member organisations, meetings with attendance and minutes, documents.

The audit log learns the moderators' changes to the committee's record.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-12 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import in_list, set_audit_actions


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download', 'process.create', 'survey.create', 'event.create', 'event.attendance',
                  'event.import', 'event.notes', 'call.return', 'call.accept', 'call.reject',
                  'process.update', 'survey.update', 'event.update', 'proposal.origins',
                  'plan.publish', 'commitment.create', 'commitment.update', 'milestone.create', 'milestone.update', 'report.submit', 'report.publish', 'report.return')
ACTIONS_AFTER = ACTIONS_BEFORE + ('committee.member_add', 'committee.member_update', 'committee.meeting_add',
                                  'committee.meeting_update', 'committee.document_add', 'committee.document_remove')
SECTORS = ('government', 'civil_society')
ROLES = ('chair', 'technical_secretariat', 'member', 'observer')
CATEGORIES = ('minutes', 'rules', 'reports', 'plans', 'other')


def upgrade():
    op.create_table(
        'committee_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('sector', sa.String(length=16), nullable=False),
        sa.Column('role', sa.String(length=24), nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('is_reconstruction', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(in_list('sector', SECTORS), name=op.f('ck_committee_members_sector_valid')),
        sa.CheckConstraint(in_list('role', ROLES), name=op.f('ck_committee_members_role_valid')),
        sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_committee_members_dates_valid')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_members')),
        sa.UniqueConstraint('name_key', name=op.f('uq_committee_members_name_key')),
    )
    op.create_table(
        'committee_meetings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('agenda', sa.Text(), nullable=False),
        sa.Column('minutes', sa.Text(), server_default='', nullable=False),
        sa.Column('minutes_file', sa.String(length=80), nullable=True),
        sa.Column('minutes_file_name', sa.String(length=200), nullable=True),
        sa.Column('government_people', sa.Integer(), server_default='0', nullable=False),
        sa.Column('civil_society_people', sa.Integer(), server_default='0', nullable=False),
        sa.Column('other_people', sa.Integer(), server_default='0', nullable=False),
        sa.Column('is_reconstruction', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('government_people >= 0 AND civil_society_people >= 0 AND other_people >= 0',
                           name=op.f('ck_committee_meetings_people_natural')),
        sa.CheckConstraint('(minutes_file IS NULL) = (minutes_file_name IS NULL)',
                           name=op.f('ck_committee_meetings_file_named')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_meetings')),
        sa.UniqueConstraint('minutes_file', name=op.f('uq_committee_meetings_minutes_file')),
    )
    with op.batch_alter_table('committee_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_meetings_held_on'), ['held_on'], unique=False)
    op.create_table(
        'committee_attendance',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['committee_meetings.id'],
                                name=op.f('fk_committee_attendance_meeting_id_committee_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['committee_members.id'],
                                name=op.f('fk_committee_attendance_member_id_committee_members')),
        sa.PrimaryKeyConstraint('meeting_id', 'member_id', name=op.f('pk_committee_attendance')),
    )
    with op.batch_alter_table('committee_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_attendance_member_id'), ['member_id'], unique=False)
    op.create_table(
        'committee_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=250), nullable=False),
        sa.Column('dated_on', sa.Date(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('file', sa.String(length=80), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('is_reconstruction', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(in_list('category', CATEGORIES), name=op.f('ck_committee_documents_category_valid')),
        sa.CheckConstraint('(link IS NULL) <> (file IS NULL)', name=op.f('ck_committee_documents_link_or_file')),
        sa.CheckConstraint('(file IS NULL) = (file_name IS NULL)', name=op.f('ck_committee_documents_file_named')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_documents')),
        sa.UniqueConstraint('file', name=op.f('uq_committee_documents_file')),
    )
    with op.batch_alter_table('committee_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_documents_category'), ['category'], unique=False)
    set_audit_actions(ACTIONS_AFTER)


def downgrade():
    set_audit_actions(ACTIONS_BEFORE)
    op.drop_table('committee_documents')
    op.drop_table('committee_attendance')
    op.drop_table('committee_meetings')
    op.drop_table('committee_members')
