"""Surveys: questions, options, one response per citizen and its answers; the audit log learns survey.create.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import in_list, set_audit_actions


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

QUESTION_KINDS = ('single_choice', 'multiple_choice', 'scale', 'free_text')
ACTIONS_BEFORE = ('proposal.status', 'proposal.create', 'proposal.update', 'proposal.import', 'comment.hide',
                  'comment.restore', 'comment.auto_hide', 'consultation.create', 'consultation.update', 'user.role',
                  'export.download', 'process.create')
ACTIONS_AFTER = ACTIONS_BEFORE + ('survey.create',)


def upgrade():
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_surveys_window_valid')),
    sa.ForeignKeyConstraint(['step_id'], ['process_steps.id'], name=op.f('fk_surveys_step_id_process_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('step_id', name=op.f('uq_surveys_step_id'))
    )
    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('required', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=True),
    sa.Column('scale_min', sa.Integer(), nullable=True),
    sa.Column('scale_max', sa.Integer(), nullable=True),
    sa.CheckConstraint(in_list('kind', QUESTION_KINDS), name=op.f('ck_survey_questions_kind_valid')),
    sa.CheckConstraint("(kind = 'multiple_choice' AND max_choices >= 1) OR (kind <> 'multiple_choice' AND max_choices IS NULL)", name=op.f('ck_survey_questions_max_choices_matches_kind')),
    sa.CheckConstraint("(kind = 'scale' AND scale_min < scale_max) OR (kind <> 'scale' AND scale_min IS NULL AND scale_max IS NULL)", name=op.f('ck_survey_questions_scale_matches_kind')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_questions_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
    sa.UniqueConstraint('survey_id', 'position', name='uq_survey_questions_position')
    )
    op.create_table('survey_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_options_question_id_survey_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_options')),
    sa.UniqueConstraint('id', 'question_id', name='uq_survey_options_id_question'),
    sa.UniqueConstraint('question_id', 'position', name='uq_survey_options_position')
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'user_id', name='uq_survey_responses_respondent')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_user_id'), ['user_id'], unique=False)
    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=True),
    sa.Column('scale_value', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('(CASE WHEN option_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN scale_value IS NULL THEN 0 ELSE 1 END) + (CASE WHEN text IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_survey_answers_one_value')),
    sa.ForeignKeyConstraint(['option_id', 'question_id'], ['survey_options.id', 'survey_options.question_id'], name='fk_survey_answers_option_question', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('response_id', 'question_id', 'option_id', name='uq_survey_answers_choice')
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answers_question_option', ['question_id', 'option_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_response_id'), ['response_id'], unique=False)
    set_audit_actions(ACTIONS_AFTER)


def downgrade():
    set_audit_actions(ACTIONS_BEFORE)
    op.drop_table('survey_answers')
    op.drop_table('survey_responses')
    op.drop_table('survey_options')
    op.drop_table('survey_questions')
    op.drop_table('surveys')
