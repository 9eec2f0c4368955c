"""Events: the validated create and edit, registration, attendance (one by one or a sign-in sheet,
all or nothing), notes, and what became of an event's inputs.

Registration is not attendance: a citizen signs up in advance (when the event takes
registrations), staff still check people in, and only attendance counts in the results sheet.
"""
import csv
import io
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.models import User
from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.errors import DomainError, NotAllowed, ValidationFailed
from aga_consulta.events.models import Attendance, Event, EventKind, EventOutcome, Registration, Sector
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.text import clean_text, one_line
from aga_consulta.timeutil import to_naive_utc, utcnow

THEME_MAX = 200
PLACE_MAX = 300
LINK_MAX = 500
NOTES_MAX = 50000
CAPACITY_MAX = 100000
MIN_YEAR, MAX_YEAR = 2000, 2100
#: The sign-in sheet's columns; e-mail is optional (it links the attendee to an account).
SHEET_COLUMNS = ("department", "sector", "email")
SHEET_MAX_ROWS = 5000


class AlreadyAttending(DomainError):
    """That account is already on the event's attendance."""

    message = _l("Esa cuenta ya figura en la asistencia de este evento.")


class SheetInvalid(ValidationFailed):
    """The sign-in sheet has bad rows; `problems` lists (row number, message)."""

    message = _l("La planilla tiene filas con errores; no se guardó ninguna.")

    def __init__(self, problems):
        super().__init__()
        self.problems = problems


def _time(value):
    if not isinstance(value, datetime):
        raise ValidationFailed(_l("Indica el inicio y el fin."))
    value = to_naive_utc(value)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(_l("Las fechas deben estar entre los años %(min)d y %(max)d.", min=MIN_YEAR, max=MAX_YEAR))
    return value


def _validated_fields(kind, theme, starts_at, ends_at, place, link, capacity, registration_open):
    if kind not in tuple(EventKind):
        raise ValidationFailed(_l("Tipo de evento desconocido."))
    theme = one_line(theme)
    if not 3 <= len(theme) <= THEME_MAX:
        raise ValidationFailed(_l("La mesa temática debe tener entre 3 y %(max)d caracteres.", max=THEME_MAX))
    starts_at, ends_at = _time(starts_at), _time(ends_at)
    if ends_at <= starts_at:
        raise ValidationFailed(_l("El fin debe ser posterior al inicio."))
    place, link = one_line(place) or None, one_line(link) or None
    if not place and not link:
        raise ValidationFailed(_l("Indica un lugar o un enlace."))
    if (place and len(place) > PLACE_MAX) or (link and (len(link) > LINK_MAX or not link.startswith(("https://", "http://")))):
        raise ValidationFailed(_l("El lugar o el enlace no son válidos."))
    if capacity is not None and (not isinstance(capacity, int) or not 1 <= capacity <= CAPACITY_MAX):
        raise ValidationFailed(_l("La capacidad debe ser un número positivo."))
    return {"kind": EventKind(kind), "theme": theme, "starts_at": starts_at, "ends_at": ends_at, "place": place,
            "link": link, "capacity": capacity, "registration_open": bool(registration_open)}


def create_event(*, kind, theme, starts_at, ends_at, place=None, link=None, capacity=None, step=None,
                 registration_open=False, actor=None, now=None):
    """Create a workshop or expert session and return it (audited when `actor` is given).

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad kind, theme, time, place, link or capacity.
    """
    if actor is not None:
        ensure_moderator(actor)
    fields = _validated_fields(kind, theme, starts_at, ends_at, place, link, capacity, registration_open)
    event = Event(step_id=step.id if step is not None else None, **fields)
    db.session.add(event)
    db.session.flush()
    if actor is not None:
        record(actor, "event.create", "event", event.id, target_label=event.theme,
               after={"kind": kind, "theme": event.theme, "starts_at": event.starts_at}, now=now)
    db.session.commit()
    return event


def update_event(actor, event, *, kind, theme, starts_at, ends_at, place=None, link=None, capacity=None,
                 registration_open=False, now=None):
    """Change an event's fields; return whether anything changed (audited with before and after).

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad field, or a capacity below the citizens already registered.
    """
    ensure_moderator(actor)
    fields = _validated_fields(kind, theme, starts_at, ends_at, place, link, capacity, registration_open)
    if fields["capacity"] is not None and fields["capacity"] < registrant_count(event.id):
        raise ValidationFailed(_l("La capacidad no puede ser menor que las personas ya inscritas."))
    before = {name: getattr(event, name) for name in fields if getattr(event, name) != fields[name]}
    if not before:
        return False
    after = {name: fields[name] for name in before}
    for name, value in after.items():
        setattr(event, name, value)
    record(actor, "event.update", "event", event.id, target_label=event.theme, before=before, after=after, now=now)
    db.session.commit()
    return True


class RegistrationClosed(DomainError):
    """The event does not take registrations (off, or it has started)."""

    message = _l("Este evento no recibe inscripciones en este momento.")


class EventFull(DomainError):
    """Every seat is taken."""

    message = _l("El evento está lleno: no quedan cupos.")


#: Tries to take a seat when concurrent sign-ups keep taking the same one.
SEAT_TRIES = 5


def _lock_event(event):
    # The first write of the transaction: on PostgreSQL it locks the event's row, on SQLite it
    # takes the database write lock, so the seats are counted and taken one sign-up at a time.
    # The unique (event, seat) constraint holds the line should anything else get through.
    db.session.execute(update(Event).where(Event.id == event.id).values(capacity=Event.capacity)
                       .execution_options(synchronize_session=False))


def _registration(event_id, user_id):
    return db.session.scalar(select(Registration).where(Registration.event_id == event_id,
                                                        Registration.user_id == user_id))


def register(citizen, event, now=None):
    """Sign the citizen up for the event and return the Registration (the same one when already in).

    :raises NotAllowed: the account is deactivated.
    :raises RegistrationClosed: registration is off, or the event has started.
    :raises EventFull: no seat is left (409).
    """
    now = now or utcnow()
    if not citizen.active:
        raise NotAllowed(_l("Tu cuenta está desactivada."))
    if not event.registration_open or now >= event.starts_at:
        raise RegistrationClosed()
    for _try in range(SEAT_TRIES):
        _lock_event(event)
        existing = _registration(event.id, citizen.id)
        if existing is not None:
            db.session.commit()
            return existing  # a double submit: still one seat
        taken = set(db.session.scalars(select(Registration.seat).where(Registration.event_id == event.id)))
        seat = next(n for n in range(1, len(taken) + 2) if n not in taken)
        if event.capacity is not None and seat > event.capacity:
            db.session.rollback()
            raise EventFull()
        try:
            with db.session.begin_nested():
                registration = Registration(event_id=event.id, user_id=citizen.id, seat=seat, created_at=now)
                db.session.add(registration)
        except IntegrityError:
            db.session.rollback()
            continue
        db.session.commit()
        return registration
    raise EventFull()


def cancel_registration(citizen, event, now=None):
    """Give the citizen's seat back; return whether there was one to give back.

    :raises RegistrationClosed: the event has started (the list is what staff check in from).
    """
    now = now or utcnow()
    if now >= event.starts_at:
        raise RegistrationClosed()
    removed = db.session.execute(delete(Registration).where(Registration.event_id == event.id,
                                                            Registration.user_id == citizen.id)).rowcount
    db.session.commit()
    return bool(removed)


def is_registered(event_id, user_id):
    """True when the account holds a seat at the event."""
    return _registration(event_id, user_id) is not None


def registrant_count(event_id):
    """Return how many citizens are signed up for the event."""
    return db.session.scalar(select(func.count()).select_from(Registration).where(Registration.event_id == event_id))


def registrants(actor, event):
    """Return [(user, checked_in)] of the event's registrants, in sign-up order, for staff's check-in list.

    :raises NotAllowed: the actor is not a moderator or admin.
    """
    ensure_moderator(actor)
    checked = select(Attendance.id).where(Attendance.event_id == event.id,
                                          Attendance.user_id == Registration.user_id).exists()
    return db.session.execute(
        select(User, checked).join(Registration, Registration.user_id == User.id)
        .where(Registration.event_id == event.id).order_by(Registration.seat)
    ).all()


def check_in(actor, event, user, *, sector, now=None):
    """Record a registrant as attending (their account's department, the sector given).

    :raises NotAllowed: the actor is not a moderator, or the person is not registered.
    :raises ValidationFailed: unknown sector.
    :raises AlreadyAttending: already checked in.
    """
    ensure_moderator(actor)
    if not is_registered(event.id, user.id):
        raise NotAllowed(_l("Esa persona no está inscrita en este evento."))
    return record_attendance(actor, event, department=user.department_code, sector=sector, email=user.email, now=now)


def _attendee_fields(department, sector, email):
    """Return (department code, sector, user id) or raise ValidationFailed naming the problem."""
    department = (department or "").strip()
    if department.isdigit() and len(department) == 1:
        department = department.zfill(2)  # spreadsheets drop the leading zero of 05
    if department not in DEPARTMENTS:
        raise ValidationFailed(_l("Departamento desconocido (usa el código DIVIPOLA)."), "department")
    sector = (sector or "").strip().lower()
    if sector not in tuple(Sector):
        raise ValidationFailed(_l("Sector desconocido."), "sector")
    user_id = None
    email = (email or "").strip().lower()
    if email:
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            raise ValidationFailed(_l("No hay una cuenta con ese correo."), "email")
    return department, sector, user_id


def record_attendance(actor, event, *, department, sector, email=None, now=None):
    """Add one attendee from the check-in list and return the row.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: unknown department, sector or account.
    :raises AlreadyAttending: the linked account is already on the list.
    """
    ensure_moderator(actor)
    department, sector, user_id = _attendee_fields(department, sector, email)
    attendance = Attendance(event_id=event.id, department_code=department, sector=sector, user_id=user_id,
                            recorded_at=now or utcnow())
    db.session.add(attendance)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyAttending() from None
    record(actor, "event.attendance", "event", event.id, target_label=event.theme,
           after={"department": department, "sector": sector, "linked": user_id is not None}, now=now)
    db.session.commit()
    return attendance


def import_sheet(actor, event, text, now=None):
    """Import a sign-in sheet (CSV: department, sector, optional email): every row or none.

    Returns the number of rows stored. Only the department, the sector and the account link
    are kept; the e-mail itself is not stored.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises SheetInvalid: a bad header or rows; `problems` says which row and why.
    """
    ensure_moderator(actor)
    if "\x00" in text:
        raise SheetInvalid([(1, _l("El archivo contiene caracteres no válidos."))])
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not {"department", "sector"} <= set(header) or not set(header) <= set(SHEET_COLUMNS):
        raise SheetInvalid([(1, _l("La primera fila debe ser: department, sector, email (email es opcional)."))])
    reader.fieldnames = header
    rows, problems, seen = [], [], set()
    for number, row in enumerate(reader, start=2):
        if number - 1 > SHEET_MAX_ROWS:
            raise SheetInvalid([(number, _l("Demasiadas filas (máximo %(max)d).", max=SHEET_MAX_ROWS))])
        if None in row:
            problems.append((number, _l("La fila tiene más columnas que el encabezado.")))
            continue
        try:
            department, sector, user_id = _attendee_fields(row.get("department"), row.get("sector"), row.get("email"))
        except ValidationFailed as error:
            problems.append((number, error.message))
            continue
        if user_id is not None and (user_id in seen or _attends(event, user_id)):
            problems.append((number, AlreadyAttending.message))
            continue
        seen.add(user_id)
        rows.append(Attendance(event_id=event.id, department_code=department, sector=sector, user_id=user_id,
                               recorded_at=now or utcnow()))
    if problems:
        raise SheetInvalid(problems)
    if not rows:
        raise SheetInvalid([(2, _l("La planilla no tiene filas."))])
    db.session.add_all(rows)
    record(actor, "event.import", "event", event.id, target_label=event.theme, after={"rows": len(rows)}, now=now)
    db.session.commit()
    return len(rows)


def _attends(event, user_id):
    return db.session.scalar(select(Attendance.id).where(Attendance.event_id == event.id,
                                                         Attendance.user_id == user_id)) is not None


def publish_notes(actor, event, notes, now=None):
    """Publish (or correct) the event's notes, the relatoría.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: empty, too long, or with a NUL character.
    """
    ensure_moderator(actor)
    notes = clean_text(notes)
    if not 3 <= len(notes) <= NOTES_MAX:
        raise ValidationFailed(_l("La relatoría debe tener entre 3 y %(max)d caracteres.", max=NOTES_MAX), "notes")
    before = event.notes
    event.notes, event.notes_published_at = notes, now or utcnow()
    record(actor, "event.notes", "event", event.id, target_label=event.theme,
           before={"notes": before} if before else None, after={"notes": notes}, now=now)
    db.session.commit()


def attendee_count(event_ids):
    """Distinct people among the attendance of these events (accounts once; each unlinked row once)."""
    linked, unlinked = db.session.execute(
        select(func.count(func.distinct(Attendance.user_id)),
               func.coalesce(func.sum(case((Attendance.user_id.is_(None), 1), else_=0)), 0))
        .where(Attendance.event_id.in_(event_ids))
    ).one()
    return int(linked) + int(unlinked)


def events_of_step(step_id):
    """Return a step's events, in time order."""
    return list(db.session.scalars(select(Event).where(Event.step_id == step_id).order_by(Event.starts_at, Event.id)))


def attendance_by_event(event_ids):
    """Return {event id: attendees} (rows; an account attends an event once)."""
    return dict(db.session.execute(
        select(Attendance.event_id, func.count()).where(Attendance.event_id.in_(event_ids))
        .group_by(Attendance.event_id)
    ).all())


def attendance_by_sector(event):
    """Return [(sector, attendees)] of one event, every sector listed."""
    counts = dict(db.session.execute(
        select(Attendance.sector, func.count()).where(Attendance.event_id == event.id).group_by(Attendance.sector)
    ).all())
    return [(sector.value, int(counts.get(sector.value, 0))) for sector in Sector]


def outcomes(event):
    """Return the proposals that grew from the event's notes, by code: what became of its inputs."""
    return list(db.session.scalars(
        select(Proposal).join(EventOutcome, EventOutcome.proposal_id == Proposal.id)
        .where(EventOutcome.event_id == event.id).order_by(Proposal.code)
    ))
