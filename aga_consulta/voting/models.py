"""The vote."""
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow


class Vote(db.Model):
    """A citizen's support for a proposal; withdrawn votes are kept, stamped, for the record."""

    __tablename__ = "votes"
    __table_args__ = (
        # One active vote per citizen per proposal, whatever the requests do in parallel.
        db.Index(
            "uq_votes_active_user_proposal",
            "user_id",
            "proposal_id",
            unique=True,
            sqlite_where=db.text("withdrawn_at IS NULL"),
            postgresql_where=db.text("withdrawn_at IS NULL"),
        ),
        db.Index("ix_votes_consultation_user", "consultation_id", "user_id"),
        db.Index("ix_votes_proposal_active", "proposal_id", "withdrawn_at"),
        # The tally and the exports read active votes only: partial indexes give them
        # index-only scans (distinct voters, votes per proposal) without the withdrawn rows.
        db.Index("ix_votes_active_consultation_user", "consultation_id", "user_id",
                 sqlite_where=db.text("withdrawn_at IS NULL"), postgresql_where=db.text("withdrawn_at IS NULL")),
        db.Index("ix_votes_active_consultation_proposal", "consultation_id", "proposal_id",
                 sqlite_where=db.text("withdrawn_at IS NULL"), postgresql_where=db.text("withdrawn_at IS NULL")),
        db.CheckConstraint("withdrawn_at IS NULL OR withdrawn_at >= cast_at", name="withdrawal_after_cast"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False)
    #: Copied from the proposal so that caps and tallies need no join.
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    cast_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    withdrawn_at = db.Column(db.DateTime)

    user = db.relationship("User")
    proposal = db.relationship("Proposal")
