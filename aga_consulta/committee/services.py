"""The committee: members, meetings with attendance and minutes, documents, and the OGP cadence.

Every change goes through a function here, takes the acting moderator explicitly, is
validated before anything is written, and is audited in the same transaction. A PDF is
stored only once every other field has passed, and removed again if the row is not stored,
so a refusal leaves neither a row nor a file behind.
"""
import csv
import io
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aga_consulta import uploads
from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.committee.models import Document, DocumentCategory, Meeting, Member, MemberRole, Sector
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.text import clean_text, folded, neutralise, one_line
from aga_consulta.timeutil import DATE_RANGE_MESSAGE, in_date_range, utcnow

NAME_MAX = 200
TITLE_MAX = 250
LINK_MAX = 500
AGENDA_MAX = 5000
MINUTES_MAX = 100000
#: Most people a meeting's attendance may count on one side (a typing slip, not a meeting).
PEOPLE_MAX = 10000
#: OGP Standard 1: the space for dialogue meets at least every six months.
STALE_AFTER_MONTHS = 6
#: OGP Standard 5: at least two meetings a year with civil society on implementation.
CIVIL_SOCIETY_MEETINGS_MIN = 2


class MemberExists(DomainError):
    """An organisation is a member once."""

    message = _l("Esa organización ya es miembro del comité.")


# --- input --------------------------------------------------------------------------------

def parse_day(value, required=True, field=None):
    """Return `value` (a date or an ISO text YYYY-MM-DD) as a date in the accepted years.

    :raises ValidationFailed: missing (when required), not a date, or outside YEAR_MIN-YEAR_MAX.
    """
    if value is None or value == "":
        if required:
            raise ValidationFailed(_l("Indica la fecha."), field)
        return None
    if not isinstance(value, date):
        text = str(value).strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            value = None
        if value is None:
            # A year such as 99999 does not parse at all: it is out of range, not a typo.
            year = text.split("-")[0]
            raise ValidationFailed(DATE_RANGE_MESSAGE if year.isdigit() and len(year) > 4
                                   else _l("La fecha no es válida (AAAA-MM-DD)."), field)
    if not in_date_range(value):
        raise ValidationFailed(DATE_RANGE_MESSAGE, field)
    return value


def _people(value, field=None):
    if value is None or value == "":
        return 0
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationFailed(_l("El número de personas debe ser un número entero."), field) from None
    if not 0 <= number <= PEOPLE_MAX:
        raise ValidationFailed(_l("El número de personas debe estar entre 0 y %(max)d.", max=PEOPLE_MAX), field)
    return number


def _choice(value, enum, message, field=None):
    if value not in tuple(enum):
        raise ValidationFailed(message, field)
    return str(value)


def _link(value):
    link = one_line(value)
    if not link:
        return None
    if len(link) > LINK_MAX or not link.startswith(("https://", "http://")) or " " in link:
        raise ValidationFailed(_l("El enlace debe empezar por https:// o http:// (máximo %(max)d caracteres).",
                                  max=LINK_MAX), "link")
    return link


class UploadTooLarge(ValidationFailed):
    """The PDF is larger than UPLOAD_MAX_BYTES."""

    status = 413


def _upload_refusal(error, max_bytes):
    if error.reason == "too_large":
        return UploadTooLarge(_l("El PDF pasa del tamaño máximo (%(mb)d MB); no se guardó nada.",
                                 mb=max_bytes // (1024 * 1024)))
    if error.reason == "empty":
        return ValidationFailed(_l("El archivo está vacío; no se guardó nada."))
    return ValidationFailed(_l("El archivo no es un PDF (se revisa su contenido, no su nombre); no se guardó nada."))


@contextmanager
def _stored_pdf(pdf):
    """Store `pdf` (an upload, or None) and yield the StoredFile; remove it again if the block fails.

    :raises ValidationFailed: empty, not a PDF by its content, or too large (UploadTooLarge).
    """
    if pdf is None:
        yield None
        return
    config = current_app.config
    try:
        stored = uploads.store_request_pdf(pdf, config)
    except uploads.UploadRefused as error:
        raise _upload_refusal(error, config["UPLOAD_MAX_BYTES"]) from None
    try:
        with uploads.discard_on_failure(uploads.upload_dir(config), stored):
            yield stored
    except BaseException:
        db.session.rollback()
        raise


def _remove_file(name):
    uploads.remove(uploads.upload_dir(current_app.config), name)


# --- members ------------------------------------------------------------------------------

def _member_fields(name, sector, role, joined_on, left_on):
    name = one_line(name)
    if not 3 <= len(name) <= NAME_MAX:
        raise ValidationFailed(_l("El nombre de la organización debe tener entre 3 y %(max)d caracteres.", max=NAME_MAX),
                               "name")
    sector = _choice(sector, Sector, _l("Indica si la organización es del gobierno o de la sociedad civil."), "sector")
    role = _choice(role, MemberRole, _l("Rol en el comité desconocido."), "role")
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


# --- meetings -----------------------------------------------------------------------------

def _meeting_fields(held_on, agenda, minutes, attendee_ids, government_people, civil_society_people, other_people):
    held_on = parse_day(held_on, field="held_on")
    agenda = clean_text(agenda)
    if not 3 <= len(agenda) <= AGENDA_MAX:
        raise ValidationFailed(_l("El orden del día debe tener entre 3 y %(max)d caracteres.", max=AGENDA_MAX), "agenda")
    minutes = clean_text(minutes)
    if len(minutes) > MINUTES_MAX:
        raise ValidationFailed(_l("El acta no puede pasar de %(max)d caracteres.", max=MINUTES_MAX), "minutes")
    ids = set()
    for value in attendee_ids or ():
        text = str(value).strip()
        if not text.isdigit() or len(text) > 9:
            raise ValidationFailed(_l("Organización asistente desconocida."))
        ids.add(int(text))
    attendees = list(db.session.scalars(select(Member).where(Member.id.in_(ids)))) if ids else []
    if len(attendees) != len(ids):
        raise ValidationFailed(_l("Organización asistente desconocida."))
    absent = sorted(member.name for member in attendees if not member.active_on(held_on))
    if absent:
        raise ValidationFailed(_l("No era miembro del comité en esa fecha: %(names)s.", names=", ".join(absent)),
                               "attendees")
    return {"held_on": held_on, "agenda": agenda, "minutes": minutes,
            "government_people": _people(government_people, "government_people"),
            "civil_society_people": _people(civil_society_people, "civil_society_people"),
            "other_people": _people(other_people, "other_people")}, attendees


def _meeting_audit(meeting):
    return {"held_on": meeting.held_on, "agenda": meeting.agenda, "minutes": meeting.minutes,
            "minutes_file": meeting.minutes_file_name,
            "attendees": [member.name for member in meeting.attendees],
            "people": [meeting.government_people, meeting.civil_society_people, meeting.other_people]}


def create_meeting(actor, *, held_on, agenda, minutes="", attendee_ids=(), government_people=0,
                   civil_society_people=0, other_people=0, minutes_pdf=None, is_reconstruction=False, now=None):
    """Record a meeting with its agenda, attendance and (optionally) minutes and their PDF.

    `minutes_pdf` is an uploaded file (a werkzeug FileStorage) or None.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad date, agenda, minutes, count, attendee, or PDF.
    """
    ensure_moderator(actor)
    fields, attendees = _meeting_fields(held_on, agenda, minutes, attendee_ids, government_people,
                                        civil_society_people, other_people)
    with _stored_pdf(minutes_pdf) as stored:
        meeting = Meeting(minutes_file=stored and stored.name, minutes_file_name=stored and stored.download_name,
                          attendees=attendees, is_reconstruction=is_reconstruction,
                          created_at=now or utcnow(), updated_at=now or utcnow(), **fields)
        db.session.add(meeting)
        db.session.flush()
        record(actor, "committee.meeting_add", "committee_meeting", meeting.id,
               target_label=meeting.held_on.isoformat(), after=_meeting_audit(meeting), now=now)
        db.session.commit()
    return meeting


def update_meeting(actor, meeting, *, held_on, agenda, minutes="", attendee_ids=(), government_people=0,
                   civil_society_people=0, other_people=0, minutes_pdf=None, remove_pdf=False, now=None):
    """Correct a meeting, or add its minutes: a new PDF replaces the old one, `remove_pdf` drops it.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: as create_meeting.
    """
    ensure_moderator(actor)
    fields, attendees = _meeting_fields(held_on, agenda, minutes, attendee_ids, government_people,
                                        civil_society_people, other_people)
    before = _meeting_audit(meeting)
    old_file = meeting.minutes_file
    with _stored_pdf(minutes_pdf) as stored:
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.attendees = attendees
        if stored is not None:
            meeting.minutes_file, meeting.minutes_file_name = stored.name, stored.download_name
        elif remove_pdf:
            meeting.minutes_file = meeting.minutes_file_name = None
        meeting.updated_at = now or utcnow()
        record(actor, "committee.meeting_update", "committee_meeting", meeting.id,
               target_label=meeting.held_on.isoformat(), before=before, after=_meeting_audit(meeting), now=now)
        db.session.commit()
    if old_file is not None and old_file != meeting.minutes_file:
        _remove_file(old_file)  # only once the row no longer points at it
    return meeting


def meetings():
    """Every meeting, the latest first."""
    return list(db.session.scalars(select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc())))


def with_civil_society(meeting):
    """True when civil society took part: a civil-society member organisation or people counted as such."""
    return meeting.civil_society_people > 0 or any(m.sector == Sector.CIVIL_SOCIETY for m in meeting.attendees)


# --- the cadence (OGP Standards 1 and 5) ---------------------------------------------------

def months_before(day, months):
    """The same day `months` calendar months earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    first_of_next = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (first_of_next - timedelta(days=1)).day))


@dataclass(frozen=True)
class Cadence:
    """How often the committee meets, as of `today`."""

    today: date
    last_meeting: date | None
    #: Meetings held in the last 12 months (after the same day a year ago, up to today).
    last_12_months: int
    civil_society_last_12_months: int

    @property
    def stale(self):
        """More than six months since the last meeting (or none at all)."""
        return self.last_meeting is None or self.last_meeting < months_before(self.today, STALE_AFTER_MONTHS)

    @property
    def too_few_with_civil_society(self):
        """Fewer than two meetings with civil society in the last 12 months."""
        return self.civil_society_last_12_months < CIVIL_SOCIETY_MEETINGS_MIN


def cadence(all_meetings, today):
    """The cadence indicator of `all_meetings` as of `today` (meetings after today are not held yet)."""
    held = [meeting for meeting in all_meetings if meeting.held_on <= today]
    year_ago = months_before(today, 12)
    recent = [meeting for meeting in held if meeting.held_on > year_ago]
    return Cadence(today=today, last_meeting=max((m.held_on for m in held), default=None),
                   last_12_months=len(recent),
                   civil_society_last_12_months=sum(1 for meeting in recent if with_civil_society(meeting)))


# --- documents ----------------------------------------------------------------------------

def add_document(actor, *, category, title, dated_on, link=None, pdf=None, is_reconstruction=False, now=None):
    """Add a document to the repository: a link or an uploaded PDF, never both, never neither.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad category, title, date or link, both or neither source, a bad PDF.
    """
    ensure_moderator(actor)
    category = _choice(category, DocumentCategory, _l("Categoría de documento desconocida."), "category")
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX), "title")
    dated_on = parse_day(dated_on, field="dated_on")
    link = _link(link)
    if (link is None) == (pdf is None):
        raise ValidationFailed(_l("Indica un enlace o sube un PDF (uno de los dos)."), "link")
    with _stored_pdf(pdf) as stored:
        served = stored and stored.download_name
        document = Document(category=category, title=title, dated_on=dated_on, link=link,
                            file=stored and stored.name, file_name=served, is_reconstruction=is_reconstruction,
                            created_at=now or utcnow())
        db.session.add(document)
        db.session.flush()
        record(actor, "committee.document_add", "committee_document", document.id, target_label=title,
               after={"category": category, "title": title, "dated_on": dated_on, "link": link, "file": served},
               now=now)
        db.session.commit()
    return document


def remove_document(actor, document, now=None):
    """Take a document out of the repository (the audit log keeps what it was).

    :raises NotAllowed: the actor is not a moderator or admin.
    """
    ensure_moderator(actor)
    stored = document.file
    record(actor, "committee.document_remove", "committee_document", document.id, target_label=document.title,
           before={"category": document.category, "title": document.title, "dated_on": document.dated_on,
                   "link": document.link, "file": document.file_name}, now=now)
    db.session.delete(document)
    db.session.commit()
    if stored is not None:
        _remove_file(stored)


def documents_by_category():
    """Return [(category, documents, newest first)] for every category, empty ones included."""
    rows = db.session.scalars(select(Document).order_by(Document.dated_on.desc(), Document.id.desc())).all()
    return [(category.value, [d for d in rows if d.category == category]) for category in DocumentCategory]


# --- open data ----------------------------------------------------------------------------

#: Columns of committee_meetings.csv (one row per meeting, oldest first).
MEETING_COLUMNS = ("meeting", "held_on", "agenda", "attending_organisations", "government_organisations",
                   "civil_society_organisations", "government_people", "civil_society_people", "other_people",
                   "with_civil_society", "minutes_published", "minutes_pdf")


def meetings_csv(pdf_url):
    """Return the CSV text of every meeting (public: organisations and counts, never a person).

    `pdf_url(meeting)` gives the address of a meeting's minutes PDF.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MEETING_COLUMNS)
    for meeting in sorted(meetings(), key=lambda m: (m.held_on, m.id)):
        sectors = [member.sector for member in meeting.attendees]
        writer.writerow([neutralise(value) for value in (
            meeting.id, meeting.held_on.isoformat(), meeting.agenda,
            "; ".join(member.name for member in meeting.attendees),
            sectors.count(Sector.GOVERNMENT), sectors.count(Sector.CIVIL_SOCIETY),
            meeting.government_people, meeting.civil_society_people, meeting.other_people,
            int(with_civil_society(meeting)), int(bool(meeting.minutes)),
            pdf_url(meeting) if meeting.minutes_file else "",
        )])
    return out.getvalue()
