"""A process's published plan: its commitments, their milestones, progress reports and evidence."""
from enum import StrEnum

from sqlalchemy.orm import mapped_column

from aga_consulta.calls.models import MilestoneColumns
from aga_consulta.extensions import check_in, db
from aga_consulta.proposals.models import Scope
from aga_consulta.timeutil import utcnow


class CompletionLevel(StrEnum):
    """The IRM's completion levels of a commitment, in order."""

    NOT_STARTED = "not_started"
    LIMITED = "limited"
    SUBSTANTIAL = "substantial"
    COMPLETE = "complete"


class MilestoneState(StrEnum):
    """Where a milestone's deliverable stands."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


class ReportStatus(StrEnum):
    """A progress report waits for a moderator, is public, or was sent back with a reason."""

    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"


class EvidenceKind(StrEnum):
    """Evidence is a link or an uploaded PDF."""

    LINK = "link"
    FILE = "file"


COMPLETION_LEVELS = tuple(CompletionLevel)
MILESTONE_STATES = tuple(MilestoneState)


class Plan(db.Model):
    """The action plan a process produced, with its period of implementation."""

    __tablename__ = "plans"
    __table_args__ = (db.CheckConstraint("ends_on > starts_on", name="period_valid"),)

    id = db.Column(db.Integer, primary_key=True)
    process_id = db.Column(db.Integer, db.ForeignKey("processes.id", ondelete="CASCADE"), nullable=False,
                           unique=True)
    title = db.Column(db.String(200), nullable=False)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    #: Milestones and reports are invented (the reference data): labelled as such.
    is_reconstruction = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    published_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    commitments = db.relationship("Commitment", back_populates="plan", order_by="Commitment.position",
                                  cascade="all, delete-orphan")


class Commitment(db.Model):
    """One commitment of a plan, on the OGP template, with its lead institution."""

    __tablename__ = "commitments"
    __table_args__ = (
        db.UniqueConstraint("plan_id", "position", name="uq_commitments_position"),
        db.UniqueConstraint("plan_id", "code", name="uq_commitments_code"),
        check_in("scope", Scope, name="scope_valid"),
        check_in("completion", CompletionLevel, name="completion_valid"),
        db.CheckConstraint(
            "(scope = 'national' AND department_code IS NULL AND municipality IS NULL)"
            " OR (scope = 'subnational' AND department_code IS NOT NULL)",
            name="territory_matches_scope",
        ),
        db.CheckConstraint("ends_on > starts_on", name="dates_valid"),
        db.CheckConstraint("version > 0", name="version_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    plan_id = db.Column(db.Integer, db.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    code = db.Column(db.String(12), nullable=False)
    title = db.Column(db.String(250), nullable=False)
    #: The lead implementing institution, as institution accounts name it (users.institution).
    lead_institution = db.Column(db.String(200), nullable=False, index=True)
    #: Other actors, government and civil society, one per line.
    other_actors = db.Column(db.Text, nullable=False, default="")
    scope = db.Column(db.String(12), nullable=False)
    department_code = db.Column(db.String(2), db.ForeignKey("departments.code"), index=True)
    municipality = db.Column(db.String(120))
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    problem = db.Column(db.Text, nullable=False)
    baseline = db.Column(db.Text, nullable=False, default="")
    commitment = db.Column(db.Text, nullable=False)
    expected_results = db.Column(db.Text, nullable=False)
    contribution = db.Column(db.Text, nullable=False)
    #: Comma-separated calls.models.OgpValue members.
    ogp_values = db.Column(db.String(120), nullable=False)
    budget = db.Column(db.Text, nullable=False, default="")
    plan_links = db.Column(db.Text, nullable=False, default="")
    #: The selected consultation proposal it came from; None when added directly.
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposals.id"), unique=True)
    #: The completion level of its latest published progress report.
    completion = db.Column(db.String(12), nullable=False, default=CompletionLevel.NOT_STARTED,
                           server_default=CompletionLevel.NOT_STARTED.value)
    #: Optimistic lock: an edit made from a stale page is refused (409).
    version = db.Column(db.Integer, nullable=False, default=1, server_default="1")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    plan = db.relationship("Plan", back_populates="commitments")
    department = db.relationship("Department")
    milestones = db.relationship("PlanMilestone", back_populates="commitment", order_by="PlanMilestone.position",
                                 cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def ogp_value_list(self):
        """The OGP values as a list."""
        return [value for value in self.ogp_values.split(",") if value]


class PlanMilestone(MilestoneColumns, db.Model):
    """A milestone of a commitment: a verifiable deliverable, its dates and its state."""

    __tablename__ = "plan_milestones"
    __table_args__ = (
        db.UniqueConstraint("commitment_id", "position", name="uq_plan_milestones_position"),
        # Target of the reports' composite foreign key: a state is for a milestone of that commitment.
        db.UniqueConstraint("id", "commitment_id", name="uq_plan_milestones_id_commitment"),
        check_in("state", MilestoneState, name="state_valid"),
        db.CheckConstraint("ends_on >= starts_on", name="dates_valid"),
    )

    id = db.Column(db.Integer, primary_key=True)
    commitment_id = db.Column(db.Integer, db.ForeignKey("commitments.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    # The table lists these after the template's columns (MilestoneColumns): a mixin's
    # columns come after the class's own unless these sort later.
    #: As of the latest published report.
    state = mapped_column(db.String(12), nullable=False, default=MilestoneState.PENDING,
                          server_default=MilestoneState.PENDING.value, sort_order=1)
    #: The date of the published report that first found it complete.
    completed_on = mapped_column(db.Date, nullable=True, sort_order=1)

    commitment = db.relationship("Commitment", back_populates="milestones")

    def is_late(self, today):
        """True when its end date has passed without it being complete (by then, or at all)."""
        if self.state == MilestoneState.COMPLETE and self.completed_on is not None:
            return self.completed_on > self.ends_on
        return today > self.ends_on


class ProgressReport(db.Model):
    """A report on a commitment's progress as of a date; public once a moderator publishes it."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        db.UniqueConstraint("id", "commitment_id", name="uq_progress_reports_id_commitment"),
        check_in("status", ReportStatus, name="status_valid"),
        check_in("completion", CompletionLevel, name="completion_valid"),
        db.CheckConstraint("status <> 'returned' OR reason IS NOT NULL", name="reason_given"),
        db.CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name="published_matches_status"),
        db.CheckConstraint("version > 0", name="version_positive"),
        db.Index("ix_progress_reports_commitment_status", "commitment_id", "status", "reported_on"),
    )

    id = db.Column(db.Integer, primary_key=True)
    commitment_id = db.Column(db.Integer, db.ForeignKey("commitments.id", ondelete="CASCADE"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    #: The institution the author spoke for (None for a moderator).
    institution = db.Column(db.String(200))
    reported_on = db.Column(db.Date, nullable=False)
    completion = db.Column(db.String(12), nullable=False)
    narrative = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(12), nullable=False, default=ReportStatus.SUBMITTED)
    #: Why a moderator sent it back (shown to its author).
    reason = db.Column(db.Text)
    version = db.Column(db.Integer, nullable=False, default=1, server_default="1")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_at = db.Column(db.DateTime)
    published_at = db.Column(db.DateTime)

    commitment = db.relationship("Commitment")
    author = db.relationship("User")
    milestone_states = db.relationship("ReportMilestoneState", cascade="all, delete-orphan",
                                       order_by="ReportMilestoneState.milestone_id")
    evidence = db.relationship("Evidence", cascade="all, delete-orphan", order_by="Evidence.id")

    __mapper_args__ = {"version_id_col": version}


class ReportMilestoneState(db.Model):
    """A milestone's state as a report gives it."""

    __tablename__ = "progress_report_milestones"
    __table_args__ = (
        # Both composite keys carry the commitment: the database refuses a state for a
        # milestone of another commitment than the report's.
        db.ForeignKeyConstraint(["report_id", "commitment_id"],
                                ["progress_reports.id", "progress_reports.commitment_id"],
                                name="fk_progress_report_milestones_report", ondelete="CASCADE"),
        db.ForeignKeyConstraint(["milestone_id", "commitment_id"],
                                ["plan_milestones.id", "plan_milestones.commitment_id"],
                                name="fk_progress_report_milestones_milestone", ondelete="CASCADE"),
        check_in("state", MilestoneState, name="state_valid"),
    )

    report_id = db.Column(db.Integer, primary_key=True)
    milestone_id = db.Column(db.Integer, primary_key=True, index=True)
    commitment_id = db.Column(db.Integer, nullable=False)
    state = db.Column(db.String(12), nullable=False)

    milestone = db.relationship("PlanMilestone", foreign_keys=[milestone_id],
                                primaryjoin="ReportMilestoneState.milestone_id == PlanMilestone.id", viewonly=True)


class Evidence(db.Model):
    """Evidence of a report: a link, or an uploaded PDF stored under a random name."""

    __tablename__ = "progress_evidence"
    __table_args__ = (
        check_in("kind", EvidenceKind, name="kind_valid"),
        db.CheckConstraint(
            "(kind = 'link' AND url IS NOT NULL AND stored_name IS NULL)"
            " OR (kind = 'file' AND url IS NULL AND stored_name IS NOT NULL AND size > 0)",
            name="kind_matches_fields",
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    report_id = db.Column(db.Integer, db.ForeignKey("progress_reports.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    kind = db.Column(db.String(8), nullable=False)
    url = db.Column(db.String(500))
    stored_name = db.Column(db.String(40), unique=True)
    download_name = db.Column(db.String(200))
    size = db.Column(db.Integer)
