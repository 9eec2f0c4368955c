"""A co-creation process and its ordered steps."""
from enum import StrEnum

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class StepKind(StrEnum):
    """The six steps of an OGP action plan's co-creation, in their usual order."""

    THEMATIC_SURVEY = "thematic_survey"
    WORKSHOPS = "workshops"
    EXPERT_SESSIONS = "expert_sessions"
    CALL_FOR_PROPOSALS = "call_for_proposals"
    CONSULTATION = "consultation"
    SELECTION = "selection"


class StepState(StrEnum):
    """Where a step stands at a given time, computed from its dates."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


STEP_KINDS = tuple(StepKind)
#: Kinds whose step points at a consultation (the selection decides on its proposals).
CONSULTATION_KINDS = (StepKind.CONSULTATION, StepKind.SELECTION)


class Process(db.Model):
    """The co-creation of one action plan: a public timeline of steps and their figures."""

    __tablename__ = "processes"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    #: A place to try the platform: labelled as practice wherever it is shown.
    is_practice = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    #: The records reconstruct published aggregates (the reference data): labelled as such.
    is_reconstruction = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    steps = db.relationship("Step", back_populates="process", order_by="Step.position",
                            cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Process {self.slug}>"


class Step(db.Model):
    """One step of a process: its kind, its window and, for the consultation, which one."""

    __tablename__ = "process_steps"
    __table_args__ = (
        db.UniqueConstraint("process_id", "position", name="uq_process_steps_position"),
        # One step of each kind: the results sheet has one figure per kind.
        db.UniqueConstraint("process_id", "kind", name="uq_process_steps_kind"),
        check_in("kind", StepKind, name="kind_valid"),
        db.CheckConstraint("closes_at > opens_at", name="window_valid"),
        db.CheckConstraint("position > 0", name="position_positive"),
        # A consultation exactly on the consultation and selection steps.
        db.CheckConstraint(
            "(kind IN ('consultation', 'selection')) = (consultation_id IS NOT NULL)",
            name="consultation_matches_kind",
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    process_id = db.Column(db.Integer, db.ForeignKey("processes.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(24), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime, nullable=False)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultations.id"), index=True)

    process = db.relationship("Process", back_populates="steps")
    consultation = db.relationship("Consultation", lazy="joined")

    def state(self, now=None):
        """One of StepState: before, inside or after the step's window."""
        now = now or utcnow()
        if now < self.opens_at:
            return StepState.UPCOMING
        return StepState.OPEN if now < self.closes_at else StepState.CLOSED

    def is_open(self, now=None):
        """True inside the step's window."""
        return self.state(now) == StepState.OPEN

    def __repr__(self):
        return f"<Step {self.process_id}:{self.position} {self.kind}>"
