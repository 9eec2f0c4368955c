"""Institution accounts and the call for proposals: submissions on the OGP template and milestones.

The users role CHECK learns `institution` (an institution account names its institution),
and the audit log learns the moderators' decisions on submissions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import in_list, set_audit_actions, sqlite_foreign_keys


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ROLES_BEFORE = ('citizen', 'moderator', 'admin')
ROLES_AFTER = ROLES_BEFORE + ('institution',)
STATUSES = ('submitted', 'returned', 'accepted', 'rejected')
ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download', 'process.create', 'survey.create', 'event.create', 'event.attendance',
                  'event.import', 'event.notes')
ACTIONS_AFTER = ACTIONS_BEFORE + ('call.return', 'call.accept', 'call.reject')


def set_roles(roles, institution_columns):
    """Rewrite the users table's role CHECK (and the institution columns and their CHECKs)."""
    sqlite_foreign_keys(False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role_valid'), type_='check')
        if institution_columns:
            batch_op.add_column(sa.Column('institution', sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column('institution_department_code', sa.String(length=2), nullable=True))
            batch_op.add_column(sa.Column('institution_municipality', sa.String(length=120), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_users_institution_department_code_departments'),
                                        'departments', ['institution_department_code'], ['code'])
            batch_op.create_check_constraint(op.f('ck_users_institution_named'),
                                             "role <> 'institution' OR institution IS NOT NULL")
            batch_op.create_check_constraint(
                op.f('ck_users_institution_municipality_has_department'),
                'institution_municipality IS NULL OR institution_department_code IS NOT NULL')
        else:
            batch_op.drop_constraint(op.f('ck_users_institution_municipality_has_department'), type_='check')
            batch_op.drop_constraint(op.f('ck_users_institution_named'), type_='check')
            batch_op.drop_constraint(batch_op.f('fk_users_institution_department_code_departments'),
                                     type_='foreignkey')
            batch_op.drop_column('institution_municipality')
            batch_op.drop_column('institution_department_code')
            batch_op.drop_column('institution')
        batch_op.create_check_constraint(op.f('ck_users_role_valid'), in_list('role', roles))
    sqlite_foreign_keys(True)


def upgrade():
    set_roles(ROLES_AFTER, institution_columns=True)
    op.create_table('call_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('department_code', sa.String(length=2), nullable=True),
    sa.Column('municipality', sa.String(length=120), nullable=True),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('other_actors', sa.Text(), nullable=False),
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
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(in_list('status', STATUSES), name=op.f('ck_call_submissions_status_valid')),
    sa.CheckConstraint(in_list('scope', ('national', 'subnational')), name=op.f('ck_call_submissions_scope_valid')),
    sa.CheckConstraint("(scope = 'national' AND department_code IS NULL AND municipality IS NULL)"
                       " OR (scope = 'subnational' AND department_code IS NOT NULL)",
                       name=op.f('ck_call_submissions_territory_matches_scope')),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('ck_call_submissions_dates_valid')),
    sa.CheckConstraint("(status = 'accepted') = (proposal_id IS NOT NULL)",
                       name=op.f('ck_call_submissions_proposal_matches_status')),
    sa.CheckConstraint("status NOT IN ('returned', 'rejected') OR reason IS NOT NULL",
                       name=op.f('ck_call_submissions_reason_given')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_call_submissions_department_code_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['users.id'], name=op.f('fk_call_submissions_institution_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_call_submissions_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['step_id'], ['process_steps.id'], name=op.f('fk_call_submissions_step_id_process_steps'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_submissions')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_call_submissions_proposal_id'))
    )
    with op.batch_alter_table('call_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_submissions_step_id'), ['step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_submissions_institution_id'), ['institution_id'], unique=False)
    op.create_table('call_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('deliverable', sa.String(length=500), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_call_milestones_dates_valid')),
    sa.ForeignKeyConstraint(['submission_id'], ['call_submissions.id'],
                            name=op.f('fk_call_milestones_submission_id_call_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_milestones')),
    sa.UniqueConstraint('submission_id', 'position', name='uq_call_milestones_position')
    )
    with op.batch_alter_table('call_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_milestones_submission_id'), ['submission_id'], unique=False)
    set_audit_actions(ACTIONS_AFTER)


def downgrade():
    set_audit_actions(ACTIONS_BEFORE)
    op.drop_table('call_milestones')
    op.drop_table('call_submissions')
    set_roles(ROLES_BEFORE, institution_columns=False)
