"""The committee's member organisations: each once, on one side, with its role and membership dates.

Every change takes the acting moderator explicitly, is validated before anything is written,
and is audited in the same transaction; a departure is an end date, never a deletion.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.committee.inputs import choice
from aga_consulta.committee.models import Meeting, Member, MemberRole, Sector
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.text import folded, one_line
from aga_consulta.timeutil import parse_day, utcnow

NAME_MAX = 200


class MemberExists(DomainError):
    """An organisation is a member once."""

    message = _l("Esa organización ya es miembro del comité.")


def _member_fields(name, sector, role, joined_on, left_on):
    name = one_line(name)
    if not 3 <= len(name) <= NAME_MAX:
        raise ValidationFailed(_l("El nombre de la organización debe tener entre 3 y %(max)d caracteres.", max=NAME_MAX),
                               "name")
    sector = choice(sector, Sector, _l("Indica si la organización es del gobierno o de la sociedad civil."), "sector")
    role = choice(role, MemberRole, _l("Rol en el comité desconocido."), "role")
    joined_on, left_on = parse_day(joined_on, field="joined_on"), parse_day(left_on, required=False, field="left_on")
    if left_on is not None and left_on < joined_on:
        raise ValidationFailed(_l("La fecha de salida no puede ser anterior a la de ingreso."), "left_on")
    return {"name": name, "sector": sector, "role": role, "joined_on": joined_on, "left_on": left_on}


def _name_taken(name_key, member_id=None):
    query = select(Member.id).where(Member.name_key == name_key)
    if member_id is not None:
        query = query.where(Member.id != member_id)
    return db.session.scalar(query) is not None


def add_member(actor, *, name, sector, role, joined_on, left_on=None, is_reconstruction=False, now=None):
    """Add a member organisation and return it (`is_reconstruction`: invented by the reference data).

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad name, sector, role or date.
    :raises MemberExists: the organisation is already a member (names compared folded).
    """
    ensure_moderator(actor)
    fields = _member_fields(name, sector, role, joined_on, left_on)
    key = folded(fields["name"])[:NAME_MAX]
    if _name_taken(key):
        raise MemberExists()
    member = Member(name_key=key, is_reconstruction=is_reconstruction, created_at=now or utcnow(), **fields)
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:  # the same organisation added at the same moment by someone else
        db.session.rollback()
        raise MemberExists() from None
    record(actor, "committee.member_add", "committee_member", member.id, target_label=member.name,
           after=fields, now=now)
    db.session.commit()
    return member


def update_member(actor, member, *, name, sector, role, joined_on, left_on=None, now=None):
    """Correct a member's name, side, role or dates (a departure is an end date, never a deletion).

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad field, or an end date before a meeting it attended.
    :raises MemberExists: the new name is another member's.
    """
    ensure_moderator(actor)
    fields = _member_fields(name, sector, role, joined_on, left_on)
    key = folded(fields["name"])[:NAME_MAX]
    if _name_taken(key, member.id):
        raise MemberExists()
    attended = [meeting.held_on for meeting in attended_meetings(member)]
    if attended and (min(attended) < fields["joined_on"]
                     or (fields["left_on"] is not None and max(attended) > fields["left_on"])):
        raise ValidationFailed(_l("La organización asistió a reuniones fuera de esas fechas de membresía."), "joined_on")
    before = {name_: getattr(member, name_) for name_ in fields}
    for name_, value in fields.items():
        setattr(member, name_, value)
    member.name_key = key
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise MemberExists() from None
    record(actor, "committee.member_update", "committee_member", member.id, target_label=member.name,
           before=before, after=fields, now=now)
    db.session.commit()
    return member


def attended_meetings(member):
    """The meetings a member organisation attended, oldest first."""
    return list(db.session.scalars(select(Meeting).where(Meeting.attendees.any(Member.id == member.id))
                                   .order_by(Meeting.held_on)))


def members():
    """Every member organisation: current ones first, then by side and name."""
    rows = db.session.scalars(select(Member).order_by(Member.name)).all()
    return sorted(rows, key=lambda m: (m.left_on is not None, m.sector != Sector.GOVERNMENT, m.name_key))
