"""A survey, its questions and options, and the citizens' responses."""
from enum import StrEnum

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class QuestionKind(StrEnum):
    """How a question is answered."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    FREE_TEXT = "free_text"


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class Survey(db.Model):
    """A questionnaire open between opens_at and closes_at; optionally a process's survey step."""

    __tablename__ = "surveys"
    __table_args__ = (db.CheckConstraint("closes_at > opens_at", name="window_valid"),)

    id = db.Column(db.Integer, primary_key=True)
    #: The process step it belongs to (at most one survey per step).
    step_id = db.Column(db.Integer, db.ForeignKey("process_steps.id", ondelete="CASCADE"), unique=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    questions = db.relationship("Question", back_populates="survey", order_by="Question.position",
                                cascade="all, delete-orphan")

    def is_open(self, now=None):
        """True while responses are accepted and may be changed."""
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    def phase(self, now=None):
        """One of 'upcoming', 'open' or 'closed'."""
        now = now or utcnow()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class Question(db.Model):
    """One question: its kind, whether it is required, and its limits."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        db.UniqueConstraint("survey_id", "position", name="uq_survey_questions_position"),
        check_in("kind", QuestionKind, name="kind_valid"),
        db.CheckConstraint(
            "(kind = 'multiple_choice' AND max_choices >= 1) OR (kind <> 'multiple_choice' AND max_choices IS NULL)",
            name="max_choices_matches_kind",
        ),
        db.CheckConstraint(
            "(kind = 'scale' AND scale_min < scale_max) OR (kind <> 'scale' AND scale_min IS NULL AND scale_max IS NULL)",
            name="scale_matches_kind",
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.Integer, db.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    text = db.Column(db.String(500), nullable=False)
    required = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    max_choices = db.Column(db.Integer)
    scale_min = db.Column(db.Integer)
    scale_max = db.Column(db.Integer)

    survey = db.relationship("Survey", back_populates="questions")
    options = db.relationship("Option", back_populates="question", order_by="Option.position",
                              cascade="all, delete-orphan")


class Option(db.Model):
    """A choice of a single- or multiple-choice question."""

    __tablename__ = "survey_options"
    __table_args__ = (
        db.UniqueConstraint("question_id", "position", name="uq_survey_options_position"),
        # The target of the answers' composite foreign key: an answer's option is its question's.
        db.UniqueConstraint("id", "question_id", name="uq_survey_options_id_question"),
    )

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("survey_questions.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    label = db.Column(db.String(300), nullable=False)

    question = db.relationship("Question", back_populates="options")


class Response(db.Model):
    """A citizen's response to a survey: one per citizen, replaced when they answer again."""

    __tablename__ = "survey_responses"
    __table_args__ = (db.UniqueConstraint("survey_id", "user_id", name="uq_survey_responses_respondent"),)

    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.Integer, db.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    answers = db.relationship("Answer", cascade="all, delete-orphan")


class Answer(db.Model):
    """One chosen option, scale value or text of a response to a question."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        db.ForeignKeyConstraint(["option_id", "question_id"], ["survey_options.id", "survey_options.question_id"],
                                name="fk_survey_answers_option_question", ondelete="CASCADE"),
        db.UniqueConstraint("response_id", "question_id", "option_id", name="uq_survey_answers_choice"),
        # Exactly one of the three kinds of value.
        db.CheckConstraint(
            "(CASE WHEN option_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN scale_value IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN text IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_value",
        ),
        db.Index("ix_survey_answers_question_option", "question_id", "option_id"),
        # Respondents per question (a multiple choice counts each respondent once): an
        # index-only scan already in response order, instead of sorting every answer.
        db.Index("ix_survey_answers_question_response", "question_id", "response_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    response_id = db.Column(db.Integer, db.ForeignKey("survey_responses.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    question_id = db.Column(db.Integer, db.ForeignKey("survey_questions.id", ondelete="CASCADE"), nullable=False)
    option_id = db.Column(db.Integer)
    scale_value = db.Column(db.Integer)
    text = db.Column(db.Text)


class ThemeLink(db.Model):
    """A proposal answers a survey theme (an option of a choice question): where it came from."""

    __tablename__ = "survey_theme_links"
    __table_args__ = (db.UniqueConstraint("option_id", "proposal_id", name="uq_survey_theme_links_pair"),)

    id = db.Column(db.Integer, primary_key=True)
    option_id = db.Column(db.Integer, db.ForeignKey("survey_options.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
