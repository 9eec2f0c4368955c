"""A proposal submitted to a process's call, on the OGP commitment template, and its milestones."""
from enum import StrEnum

from aga_consulta.extensions import check_in, db
from aga_consulta.proposals.models import Scope
from aga_consulta.timeutil import utcnow


class SubmissionStatus(StrEnum):
    """Where a submission stands: waiting, sent back for changes, or decided."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class OgpValue(StrEnum):
    """The OGP values a commitment may be relevant to."""

    TRANSPARENCY = "transparency"
    PARTICIPATION = "participation"
    ACCOUNTABILITY = "accountability"
    TECHNOLOGY = "technology"


class Submission(db.Model):
    """An institution's commitment proposal to a call: the OGP template's fields."""

    __tablename__ = "call_submissions"
    __table_args__ = (
        check_in("status", SubmissionStatus, name="status_valid"),
        check_in("scope", Scope, name="scope_valid"),
        db.CheckConstraint(
            "(scope = 'national' AND department_code IS NULL AND municipality IS NULL)"
            " OR (scope = 'subnational' AND department_code IS NOT NULL)",
            name="territory_matches_scope",
        ),
        db.CheckConstraint("ends_on > starts_on", name="dates_valid"),
        # Accepted exactly when it became a proposal of the consultation.
        db.CheckConstraint("(status = 'accepted') = (proposal_id IS NOT NULL)", name="proposal_matches_status"),
        # Returning or rejecting gives the institution (and, for a rejection, the public) a reason.
        db.CheckConstraint("status NOT IN ('returned', 'rejected') OR reason IS NOT NULL", name="reason_given"),
    )

    id = db.Column(db.Integer, primary_key=True)
    #: The call-for-proposals step it was submitted to.
    step_id = db.Column(db.Integer, db.ForeignKey("process_steps.id", ondelete="CASCADE"), nullable=False, index=True)
    #: The institution account that submitted it, and the institution's name then.
    institution_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    institution = db.Column(db.String(200), nullable=False)
    scope = db.Column(db.String(12), nullable=False)
    department_code = db.Column(db.String(2), db.ForeignKey("departments.code"))
    municipality = db.Column(db.String(120))
    title = db.Column(db.String(250), nullable=False)
    other_actors = db.Column(db.Text, nullable=False, default="")
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    problem = db.Column(db.Text, nullable=False)
    baseline = db.Column(db.Text, nullable=False, default="")
    commitment = db.Column(db.Text, nullable=False)
    expected_results = db.Column(db.Text, nullable=False)
    contribution = db.Column(db.Text, nullable=False)
    #: Comma-separated OgpValue members (at least one).
    ogp_values = db.Column(db.String(120), nullable=False)
    budget = db.Column(db.Text, nullable=False, default="")
    plan_links = db.Column(db.Text, nullable=False, default="")
    status = db.Column(db.String(12), nullable=False, default=SubmissionStatus.SUBMITTED)
    reason = db.Column(db.Text)
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposals.id"), unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_at = db.Column(db.DateTime)

    milestones = db.relationship("Milestone", order_by="Milestone.position", cascade="all, delete-orphan")
    department = db.relationship("Department")


class MilestoneColumns:
    """The OGP template's milestone: its place in the list, a verifiable deliverable and its dates.

    Columns only; each table adds its key, its parent and its constraints.
    """

    position = db.Column(db.Integer, nullable=False)
    deliverable = db.Column(db.String(500), nullable=False)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)


class Milestone(MilestoneColumns, db.Model):
    """A milestone of a submission: a verifiable deliverable with its dates."""

    __tablename__ = "call_milestones"
    __table_args__ = (
        db.UniqueConstraint("submission_id", "position", name="uq_call_milestones_position"),
        db.CheckConstraint("ends_on >= starts_on", name="dates_valid"),
    )

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("call_submissions.id", ondelete="CASCADE"), nullable=False,
                              index=True)
