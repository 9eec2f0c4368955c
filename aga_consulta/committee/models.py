"""The committee's members, meetings (with attendance and minutes) and document repository."""
from enum import StrEnum

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class Sector(StrEnum):
    """Which side of the committee a member organisation sits on."""

    GOVERNMENT = "government"
    CIVIL_SOCIETY = "civil_society"


class MemberRole(StrEnum):
    """A member organisation's role in the committee."""

    CHAIR = "chair"
    TECHNICAL_SECRETARIAT = "technical_secretariat"
    MEMBER = "member"
    OBSERVER = "observer"


class DocumentCategory(StrEnum):
    """The sections of the committee's document repository."""

    MINUTES = "minutes"
    RULES = "rules"
    REPORTS = "reports"
    PLANS = "plans"
    OTHER = "other"


class Member(db.Model):
    """A member organisation of the committee, its side, its role and its dates of membership."""

    __tablename__ = "committee_members"
    __table_args__ = (
        check_in("sector", Sector, name="sector_valid"),
        check_in("role", MemberRole, name="role_valid"),
        db.CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="dates_valid"),
    )

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    #: The name folded for comparison (case, accents, fullwidth letters): one row per organisation.
    name_key = db.Column(db.String(200), nullable=False, unique=True)
    sector = db.Column(db.String(16), nullable=False)
    role = db.Column(db.String(24), nullable=False)
    joined_on = db.Column(db.Date, nullable=False)
    left_on = db.Column(db.Date)
    #: Invented by the reference data (no record of the real committee was published), and said so.
    is_reconstruction = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    def active_on(self, day):
        """True when the organisation was a member on `day`."""
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


#: Which member organisations attended which meeting.
meeting_attendance = db.Table(
    "committee_attendance",
    db.Column("meeting_id", db.Integer, db.ForeignKey("committee_meetings.id", ondelete="CASCADE"), primary_key=True),
    db.Column("member_id", db.Integer, db.ForeignKey("committee_members.id"), primary_key=True, index=True),
)


class Meeting(db.Model):
    """A meeting of the committee: date, agenda, minutes (text and an optional PDF), attendance."""

    __tablename__ = "committee_meetings"
    __table_args__ = (
        db.CheckConstraint("government_people >= 0 AND civil_society_people >= 0 AND other_people >= 0",
                           name="people_natural"),
        db.CheckConstraint("(minutes_file IS NULL) = (minutes_file_name IS NULL)", name="file_named"),
    )

    id = db.Column(db.Integer, primary_key=True)
    held_on = db.Column(db.Date, nullable=False, index=True)
    agenda = db.Column(db.Text, nullable=False)
    #: The minutes (acta) as text; empty until they are written.
    minutes = db.Column(db.Text, nullable=False, default="", server_default="")
    #: The stored name of the minutes' PDF (aga_consulta.uploads), and the name it is served under.
    minutes_file = db.Column(db.String(80), unique=True)
    minutes_file_name = db.Column(db.String(200))
    #: People present, by side (those without a member organisation count as other).
    government_people = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    civil_society_people = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    other_people = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    #: Invented by the reference data (no record of the real committee was published), and said so.
    is_reconstruction = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    attendees = db.relationship(Member, secondary=meeting_attendance, order_by=Member.name, lazy="selectin")

    @property
    def people(self):
        """Everyone present."""
        return self.government_people + self.civil_society_people + self.other_people


class Document(db.Model):
    """A document of the committee's repository: a link or an uploaded PDF, dated, in a category."""

    __tablename__ = "committee_documents"
    __table_args__ = (
        check_in("category", DocumentCategory, name="category_valid"),
        # Exactly one of a link and a file.
        db.CheckConstraint("(link IS NULL) <> (file IS NULL)", name="link_or_file"),
        db.CheckConstraint("(file IS NULL) = (file_name IS NULL)", name="file_named"),
    )

    id = db.Column(db.Integer, primary_key=True)
    category = db.Column(db.String(16), nullable=False, index=True)
    title = db.Column(db.String(250), nullable=False)
    dated_on = db.Column(db.Date, nullable=False)
    link = db.Column(db.String(500))
    file = db.Column(db.String(80), unique=True)
    file_name = db.Column(db.String(200))
    #: Invented by the reference data (no record of the real committee was published), and said so.
    is_reconstruction = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
