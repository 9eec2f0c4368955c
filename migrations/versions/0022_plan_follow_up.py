"""The published plan: commitments, milestones, progress reports with evidence; comments on commitments.

A comment now targets exactly one of a proposal (with its consultation) or a commitment
(a CHECK), and a reply stays on its parent's commitment (a composite foreign key, as for
proposals). The audit log learns the plan's actions and institution accounts as actors.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 22:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import in_list, set_audit_actions, sqlite_foreign_keys


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download', 'process.create', 'survey.create', 'event.create', 'event.attendance',
                  'event.import', 'event.notes', 'call.return', 'call.accept', 'call.reject',
                  'process.update', 'survey.update', 'event.update', 'proposal.origins')
ACTIONS_AFTER = ACTIONS_BEFORE + ('plan.publish', 'commitment.create', 'commitment.update', 'milestone.create',
                                  'milestone.update', 'report.submit', 'report.publish', 'report.return')
ACTOR_ROLES_BEFORE = ('moderator', 'admin', 'system')
ACTOR_ROLES_AFTER = ('moderator', 'admin', 'institution', 'system')
SCOPES = ('national', 'subnational')
LEVELS = ('not_started', 'limited', 'substantial', 'complete')
MILESTONE_STATES = ('pending', 'in_progress', 'complete')
REPORT_STATUSES = ('submitted', 'published', 'returned')
ONE_TARGET = ("(proposal_id IS NOT NULL AND consultation_id IS NOT NULL AND commitment_id IS NULL)"
              " OR (proposal_id IS NULL AND consultation_id IS NULL AND commitment_id IS NOT NULL)")


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('is_reconstruction', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('ck_plans_period_valid')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_plans_process_id_processes'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('process_id', name=op.f('uq_plans_process_id'))
    )
    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('lead_institution', sa.String(length=200), nullable=False),
    sa.Column('other_actors', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('department_code', sa.String(length=2), nullable=True),
    sa.Column('municipality', sa.String(length=120), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('baseline', sa.Text(), nullable=False),
    sa.Column('commitment', sa.Text(), nullable=False),
    sa.Column('expected_results', sa.Text(), nullable=False),
    sa.Column('contribution', sa.Text(), nullable=False),
    sa.Column('ogp_values', sa.String(length=120), nullable=False),
    sa.Column('budget', sa.Text(), nullable=False),
    sa.Column('plan_links', sa.Text(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('completion', sa.String(length=12), server_default='not_started', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(in_list('scope', SCOPES), name=op.f('ck_commitments_scope_valid')),
    sa.CheckConstraint(in_list('completion', LEVELS), name=op.f('ck_commitments_completion_valid')),
    sa.CheckConstraint("(scope = 'national' AND department_code IS NULL AND municipality IS NULL)"
                       " OR (scope = 'subnational' AND department_code IS NOT NULL)",
                       name=op.f('ck_commitments_territory_matches_scope')),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('ck_commitments_dates_valid')),
    sa.CheckConstraint('version > 0', name=op.f('ck_commitments_version_positive')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_commitments_department_code_departments')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_commitments_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_commitments_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
    sa.UniqueConstraint('plan_id', 'code', name='uq_commitments_code'),
    sa.UniqueConstraint('plan_id', 'position', name='uq_commitments_position'),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_commitments_proposal_id'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_lead_institution'), ['lead_institution'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_department_code'), ['department_code'], unique=False)
    op.create_table('plan_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('deliverable', sa.String(length=500), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), server_default='pending', nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.CheckConstraint(in_list('state', MILESTONE_STATES), name=op.f('ck_plan_milestones_state_valid')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_plan_milestones_dates_valid')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'],
                            name=op.f('fk_plan_milestones_commitment_id_commitments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_milestones')),
    sa.UniqueConstraint('commitment_id', 'position', name='uq_plan_milestones_position'),
    sa.UniqueConstraint('id', 'commitment_id', name='uq_plan_milestones_id_commitment')
    )
    with op.batch_alter_table('plan_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_milestones_commitment_id'), ['commitment_id'], unique=False)
    op.create_table('progress_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('completion', sa.String(length=12), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(in_list('status', REPORT_STATUSES), name=op.f('ck_progress_reports_status_valid')),
    sa.CheckConstraint(in_list('completion', LEVELS), name=op.f('ck_progress_reports_completion_valid')),
    sa.CheckConstraint("status <> 'returned' OR reason IS NOT NULL", name=op.f('ck_progress_reports_reason_given')),
    sa.CheckConstraint("(status = 'published') = (published_at IS NOT NULL)",
                       name=op.f('ck_progress_reports_published_matches_status')),
    sa.CheckConstraint('version > 0', name=op.f('ck_progress_reports_version_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_progress_reports_author_id_users')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'],
                            name=op.f('fk_progress_reports_commitment_id_commitments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reports')),
    sa.UniqueConstraint('id', 'commitment_id', name='uq_progress_reports_id_commitment')
    )
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_reports_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_progress_reports_commitment_status', ['commitment_id', 'status', 'reported_on'],
                              unique=False)
    op.create_table('progress_report_milestones',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.CheckConstraint(in_list('state', MILESTONE_STATES), name=op.f('ck_progress_report_milestones_state_valid')),
    sa.ForeignKeyConstraint(['milestone_id', 'commitment_id'], ['plan_milestones.id', 'plan_milestones.commitment_id'],
                            name='fk_progress_report_milestones_milestone', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id', 'commitment_id'], ['progress_reports.id', 'progress_reports.commitment_id'],
                            name='fk_progress_report_milestones_report', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'milestone_id', name=op.f('pk_progress_report_milestones'))
    )
    with op.batch_alter_table('progress_report_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_report_milestones_milestone_id'), ['milestone_id'], unique=False)
    op.create_table('progress_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('stored_name', sa.String(length=40), nullable=True),
    sa.Column('download_name', sa.String(length=200), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.CheckConstraint(in_list('kind', ('link', 'file')), name=op.f('ck_progress_evidence_kind_valid')),
    sa.CheckConstraint("(kind = 'link' AND url IS NOT NULL AND stored_name IS NULL)"
                       " OR (kind = 'file' AND url IS NULL AND stored_name IS NOT NULL AND size > 0)",
                       name=op.f('ck_progress_evidence_kind_matches_fields')),
    sa.ForeignKeyConstraint(['report_id'], ['progress_reports.id'],
                            name=op.f('fk_progress_evidence_report_id_progress_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_progress_evidence_stored_name'))
    )
    with op.batch_alter_table('progress_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_evidence_report_id'), ['report_id'], unique=False)

    # Comments on commitments: comments is referenced by comment_reports (and itself).
    sqlite_foreign_keys(False)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commitment_id', sa.Integer(), nullable=True))
        batch_op.alter_column('proposal_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('consultation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_comments_commitment_id_commitments'), 'commitments',
                                    ['commitment_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_comments_id_commitment', ['id', 'commitment_id'])
        batch_op.create_foreign_key('fk_comments_parent_same_commitment', 'comments',
                                    ['parent_id', 'commitment_id'], ['id', 'commitment_id'])
        batch_op.create_check_constraint(op.f('ck_comments_one_target'), ONE_TARGET)
        batch_op.create_index('ix_comments_commitment_status', ['commitment_id', 'status'], unique=False)
    set_audit_actions(ACTIONS_AFTER, ACTOR_ROLES_AFTER)
    sqlite_foreign_keys(True)


def downgrade():
    sqlite_foreign_keys(False)
    set_audit_actions(ACTIONS_BEFORE, ACTOR_ROLES_BEFORE)
    op.execute("DELETE FROM comments WHERE commitment_id IS NOT NULL")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_commitment_status')
        batch_op.drop_constraint(op.f('ck_comments_one_target'), type_='check')
        batch_op.drop_constraint('fk_comments_parent_same_commitment', type_='foreignkey')
        batch_op.drop_constraint('uq_comments_id_commitment', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_comments_commitment_id_commitments'), type_='foreignkey')
        batch_op.alter_column('consultation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('proposal_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('commitment_id')
    sqlite_foreign_keys(True)
    op.drop_table('progress_evidence')
    op.drop_table('progress_report_milestones')
    op.drop_table('progress_reports')
    op.drop_table('plan_milestones')
    op.drop_table('commitments')
    op.drop_table('plans')
