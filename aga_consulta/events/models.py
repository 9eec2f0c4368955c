"""Workshops and expert sessions, and who attended them (the least data counting needs)."""
from enum import StrEnum

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class EventKind(StrEnum):
    """A co-creation workshop by thematic table, or a technical session with experts."""

    WORKSHOP = "workshop"
    EXPERT_SESSION = "expert_session"


class Sector(StrEnum):
    """The sector an attendee speaks from."""

    PUBLIC = "public_sector"
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    PRIVATE = "private_sector"
    OTHER = "other"


class Event(db.Model):
    """A workshop or expert session of a process step: theme, time, place or link, capacity, notes."""

    __tablename__ = "events"
    __table_args__ = (
        check_in("kind", EventKind, name="kind_valid"),
        db.CheckConstraint("ends_at > starts_at", name="times_valid"),
        db.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        db.CheckConstraint("place IS NOT NULL OR link IS NOT NULL", name="place_or_link"),
    )

    id = db.Column(db.Integer, primary_key=True)
    step_id = db.Column(db.Integer, db.ForeignKey("process_steps.id", ondelete="CASCADE"), index=True)
    kind = db.Column(db.String(16), nullable=False)
    #: The thematic table (mesa temática).
    theme = db.Column(db.String(200), nullable=False)
    starts_at = db.Column(db.DateTime, nullable=False)
    ends_at = db.Column(db.DateTime, nullable=False)
    place = db.Column(db.String(300))
    link = db.Column(db.String(500))
    capacity = db.Column(db.Integer)
    #: Citizens may sign up in advance (registration is not attendance: staff still check people in).
    registration_open = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    #: The published notes (relatoría); empty until staff publish them.
    notes = db.Column(db.Text, nullable=False, default="", server_default="")
    notes_published_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Attendance(db.Model):
    """One person at an event: department and sector only, and an account when one links them."""

    __tablename__ = "event_attendances"
    __table_args__ = (
        check_in("sector", Sector, name="sector_valid"),
        # An account attends an event once (rows without an account are distinct people).
        db.UniqueConstraint("event_id", "user_id", name="uq_event_attendances_person"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.Integer, db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    department_code = db.Column(db.String(2), db.ForeignKey("departments.code"), nullable=False)
    sector = db.Column(db.String(16), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    recorded_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Registration(db.Model):
    """A citizen signed up in advance for an event: one seat each, never more seats than the capacity.

    `seat` is unique per event, so two concurrent sign-ups cannot take the same place; the
    service hands out seats only up to the event's capacity.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (
        db.UniqueConstraint("event_id", "user_id", name="uq_event_registrations_person"),
        db.UniqueConstraint("event_id", "seat", name="uq_event_registrations_seat"),
        db.CheckConstraint("seat > 0", name="seat_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.Integer, db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    seat = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class EventOutcome(db.Model):
    """A proposal that grew from an event's notes (the reasoned response, OGP Standard 4)."""

    __tablename__ = "event_outcomes"
    __table_args__ = (db.UniqueConstraint("event_id", "proposal_id", name="uq_event_outcomes_pair"),)

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.Integer, db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
