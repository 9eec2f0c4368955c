"""The user account."""
import secrets
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import case, or_

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class Role(StrEnum):
    """What an account may do: take part, moderate, also administer, or speak for an institution."""

    CITIZEN = "citizen"
    MODERATOR = "moderator"
    ADMIN = "admin"
    #: A national entity or a subnational government: submits proposals to a call.
    INSTITUTION = "institution"


ROLES = tuple(Role)


def new_session_token():
    """Return a fresh random token; the session cookie carries it instead of the user id."""
    return secrets.token_hex(20)


class User(UserMixin, db.Model):
    """A registered person: citizen, moderator or admin."""

    __tablename__ = "users"
    __table_args__ = (
        check_in("role", Role, name="role_valid"),
        # Stored normalised so that the unique constraint is case-insensitive.
        db.CheckConstraint("email = lower(email)", name="email_lowercase"),
        # A deleted account is anonymised and can never act again.
        db.CheckConstraint("deleted_at IS NULL OR NOT active", name="deleted_inactive"),
        # An institution account always says which institution it speaks for.
        db.CheckConstraint("role <> 'institution' OR institution IS NOT NULL", name="institution_named"),
        db.CheckConstraint("institution_municipality IS NULL OR institution_department_code IS NOT NULL",
                           name="institution_municipality_has_department"),
    )

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    #: The legal name: private (the person, moderators and admins see it; no public page does).
    name = db.Column(db.String(120), nullable=False)
    #: The name the person chose to be shown beside their comments (accounts/names.py).
    public_name = db.Column(db.String(60), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    department_code = db.Column(
        db.String(2), db.ForeignKey("departments.code"), nullable=False, index=True
    )
    role = db.Column(db.String(16), nullable=False, default="citizen", server_default="citizen")
    #: False for a deactivated account: it can neither log in nor act.
    active = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())
    #: Rotated at logout and password change, so that an old cookie stops working.
    session_token = db.Column(db.String(64), nullable=False, unique=True, default=new_session_token)
    #: When the person accepted personal-data processing (Ley 1581 de 2012), and which version
    #: of the privacy policy (accounts/consent.py; "0": the registration text before it).
    consented_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    consent_version = db.Column(db.String(16), nullable=False)
    email_confirmed_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    #: Touched by every vote: the row lock that serialises one citizen's votes.
    last_vote_at = db.Column(db.DateTime)
    #: The person's first vote or comment, in any consultation (set by those services through
    #: `participation_values`): whether a report's author took part before the comment existed.
    first_participated_at = db.Column(db.DateTime)
    #: When the holder deleted the account: it is then anonymised (accounts/profile.py).
    deleted_at = db.Column(db.DateTime)
    #: The institution an institution account speaks for; a subnational government also
    #: has its department (and municipality). Kept when the role changes: the past stays true.
    institution = db.Column(db.String(200))
    institution_department_code = db.Column(db.String(2), db.ForeignKey("departments.code"))
    institution_municipality = db.Column(db.String(120))

    department = db.relationship("Department", lazy="joined", foreign_keys=[department_code])

    def get_id(self):
        """Flask-Login identity: the rotating session token, never the primary key."""
        return self.session_token

    @property
    def is_active(self):
        """Deactivated accounts are treated as logged out by Flask-Login."""
        return bool(self.active)

    @property
    def shown_name(self):
        """The name public pages show: the public name, or "Participante eliminado" in the reader's language."""
        return _l("Participante eliminado") if self.deleted_at is not None else self.public_name

    @property
    def is_moderator(self):
        """Moderators and admins may use the moderation dashboard."""
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self):
        """Admins may also create consultations and grant roles."""
        return self.role == Role.ADMIN

    @property
    def is_institution(self):
        """Institution accounts submit commitment proposals to a call, in their institution's name."""
        return self.role == Role.INSTITUTION

    def __repr__(self):
        return f"<User {self.id} {self.role}>"


class SessionUser(UserMixin):
    """The logged-in account as each request loads it: the columns of one Core row, no ORM object.

    Read on every request (pages, votes), so it is a plain row: what templates and checks
    read (id, role, names, flags) costs no object loading. It is read afresh each request,
    so a role revoked, an account deactivated or a session token rotated (logout) takes effect
    on the next request. Anything that is not a column (the department, relationships) and
    every write go through `account()`, the ORM row, loaded on first use.
    """

    __slots__ = ("_row", "_account")

    def __init__(self, row):
        self._row = row
        self._account = None

    def __getattr__(self, name):
        try:
            return getattr(self._row, name)
        except AttributeError:
            return getattr(self.account(), name)

    def account(self):
        """Return the ORM User of this account (one query, then the session's identity map)."""
        if self._account is None:
            self._account = db.session.get(User, self._row.id)
        return self._account

    get_id = User.get_id
    is_active = User.is_active
    shown_name = User.shown_name
    is_moderator = User.is_moderator
    is_admin = User.is_admin
    is_institution = User.is_institution

    def __repr__(self):
        return f"<SessionUser {self._row.id} {self._row.role}>"


def participation_values(now):
    """The users UPDATE values after a vote or comment at `now`: the earliest participation kept."""
    # The earlier of the two, not the first written: seeded or replayed activity may arrive
    # out of order.
    earliest = case(
        (or_(User.first_participated_at.is_(None), User.first_participated_at > now), now),
        else_=User.first_participated_at,
    )
    return {"first_participated_at": earliest}
