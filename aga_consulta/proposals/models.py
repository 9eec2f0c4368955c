"""Proposal, theme, and the public log of status decisions."""
from enum import StrEnum

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class Scope(StrEnum):
    """Where a commitment would apply."""

    NATIONAL = "national"
    SUBNATIONAL = "subnational"


class ProposalStatus(StrEnum):
    """The selection workflow's states, in workflow order."""

    RECEIVED = "received"
    SHORTLISTED = "shortlisted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"


SCOPES = tuple(Scope)
STATUSES = tuple(ProposalStatus)
#: Who may record a status decision (the values of accounts.models.Role that are staff).
DECIDER_ROLES = ("moderator", "admin")


class Theme(db.Model):
    """A thematic category used to filter proposals."""

    __tablename__ = "themes"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(60), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)


class Proposal(db.Model):
    """A commitment proposal submitted to a consultation."""

    __tablename__ = "proposals"
    __table_args__ = (
        db.UniqueConstraint("consultation_id", "code", name="uq_proposals_consultation_code"),
        # Codes differ by more than case (migration 0005); the services give the message.
        db.Index("uq_proposals_consultation_lower_code", "consultation_id", db.text("lower(code)"), unique=True),
        check_in("scope", Scope, name="scope_valid"),
        check_in("status", ProposalStatus, name="status_valid"),
        # A department exactly when subnational; a municipality only with a department.
        db.CheckConstraint(
            "(scope = 'national' AND department_code IS NULL AND municipality IS NULL)"
            " OR (scope = 'subnational' AND department_code IS NOT NULL)",
            name="territory_matches_scope",
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Short public reference, unique within the consultation (e.g. "SN-07").
    code = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(250), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    body = db.Column(db.Text, nullable=False, default="")
    scope = db.Column(db.String(12), nullable=False)
    department_code = db.Column(db.String(2), db.ForeignKey("departments.code"), index=True)
    municipality = db.Column(db.String(120))
    theme_id = db.Column(db.Integer, db.ForeignKey("themes.id"), index=True)
    #: Proposing entity (ministry, mayor's office, control body...).
    proposer = db.Column(db.String(200), nullable=False, default="")
    status = db.Column(db.String(16), nullable=False, default=ProposalStatus.RECEIVED, server_default=ProposalStatus.RECEIVED.value)
    #: Public justification of the current status.
    status_reason = db.Column(db.Text, nullable=False, default="", server_default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    consultation = db.relationship("Consultation", back_populates="proposals")
    department = db.relationship("Department", lazy="joined")
    theme = db.relationship("Theme", lazy="joined")

    def __repr__(self):
        return f"<Proposal {self.code}>"


class StatusDecision(db.Model):
    """A change of a proposal's status with its public reason: the selection log."""

    __tablename__ = "proposal_decisions"
    __table_args__ = (
        check_in("from_status", ProposalStatus, name="from_status_valid"),
        check_in("to_status", ProposalStatus, name="to_status_valid"),
        db.CheckConstraint("from_status <> to_status", name="status_changes"),
        db.CheckConstraint("length(trim(reason)) > 0", name="reason_not_empty"),
        check_in("actor_role", DECIDER_ROLES, name="actor_role_valid"),
        db.Index("ix_proposal_decisions_consultation_created", "consultation_id", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(
        db.Integer, db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Copied from the proposal so that the public log of a consultation needs no join.
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    from_status = db.Column(db.String(16), nullable=False)
    to_status = db.Column(db.String(16), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    #: Kept for the audit; the public page shows only `actor_role`.
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    actor_role = db.Column(db.String(16), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    proposal = db.relationship("Proposal")

    def __repr__(self):
        return f"<StatusDecision {self.proposal_id} {self.from_status}->{self.to_status}>"
