"""The consultation."""
from sqlalchemy.ext.hybrid import hybrid_method

from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow


class Consultation(db.Model):
    """A consultation: its proposals can be voted and commented between opens_at and closes_at."""

    __tablename__ = "consultations"
    __table_args__ = (
        db.CheckConstraint("closes_at > opens_at", name="window_valid"),
        db.CheckConstraint("vote_cap IS NULL OR vote_cap > 0", name="vote_cap_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime, nullable=False)
    #: Most active votes one citizen may hold in this consultation; NULL means no cap.
    vote_cap = db.Column(db.Integer)
    #: Shown as a banner: the data is a reconstruction, not the real records.
    is_reconstruction = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    proposals = db.relationship("Proposal", back_populates="consultation", lazy="dynamic")

    @hybrid_method
    def is_open(self, now=None):
        """True while voting and commenting are allowed (also a SQL condition: `Consultation.is_open(now)`)."""
        now = utcnow() if now is None else now
        return (self.opens_at <= now) & (self.closes_at > now)

    def phase(self, now=None):
        """One of 'upcoming', 'open' or 'closed'."""
        now = now or utcnow()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    def __repr__(self):
        return f"<Consultation {self.slug}>"
