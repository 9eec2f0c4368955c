"""Event registration, and where a proposal came from (survey themes, workshops).

`events.registration_open` lets citizens sign up in advance; `event_registrations` holds
one seat per citizen (unique per event, so concurrent sign-ups cannot share a place).
`event_outcomes` and `survey_theme_links` are the reasoned response's links (OGP Standard
4): a proposal grew from a workshop's notes, or answers a theme of the thematic survey.
The audit log learns the edits of processes, surveys and events, and the origin links.
An index on survey answers by (question, response) lets survey results count each
question's respondents with an index-only scan (docs/performance.md, "Co-creation").

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import set_audit_actions


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download', 'process.create', 'survey.create', 'event.create', 'event.attendance',
                  'event.import', 'event.notes', 'call.return', 'call.accept', 'call.reject')
ACTIONS_AFTER = ACTIONS_BEFORE + ('process.update', 'survey.update', 'event.update', 'proposal.origins')


def upgrade():
    # A plain ADD COLUMN (no table rebuild): events is referenced by attendance rows.
    op.add_column('events', sa.Column('registration_open', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('event_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('seat > 0', name=op.f('ck_event_registrations_seat_positive')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_registrations_event_id_events'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_registrations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registrations')),
    sa.UniqueConstraint('event_id', 'seat', name='uq_event_registrations_seat'),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_event_registrations_person')
    )
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_registrations_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registrations_user_id'), ['user_id'], unique=False)
    op.create_table('event_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_outcomes_event_id_events'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_event_outcomes_proposal_id_proposals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_outcomes')),
    sa.UniqueConstraint('event_id', 'proposal_id', name='uq_event_outcomes_pair')
    )
    with op.batch_alter_table('event_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_outcomes_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_outcomes_proposal_id'), ['proposal_id'], unique=False)
    op.create_table('survey_theme_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['survey_options.id'],
                            name=op.f('fk_survey_theme_links_option_id_survey_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                            name=op.f('fk_survey_theme_links_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_theme_links')),
    sa.UniqueConstraint('option_id', 'proposal_id', name='uq_survey_theme_links_pair')
    )
    with op.batch_alter_table('survey_theme_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_theme_links_option_id'), ['option_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_theme_links_proposal_id'), ['proposal_id'], unique=False)
    op.create_index('ix_survey_answers_question_response', 'survey_answers', ['question_id', 'response_id'],
                    unique=False)
    set_audit_actions(ACTIONS_AFTER)


def downgrade():
    set_audit_actions(ACTIONS_BEFORE)
    op.drop_index('ix_survey_answers_question_response', table_name='survey_answers')
    op.drop_table('survey_theme_links')
    op.drop_table('event_outcomes')
    op.drop_table('event_registrations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('registration_open')
