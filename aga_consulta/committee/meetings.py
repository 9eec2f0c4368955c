"""The committee's meetings (agenda, attendance, minutes and their PDF), the OGP cadence, and their open data.

Every change takes the acting moderator explicitly, is validated before anything is written,
and is audited in the same transaction.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.committee.inputs import remove_file, stored_pdf
from aga_consulta.committee.models import Meeting, Member, Sector
from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.text import clean_text, neutralise
from aga_consulta.timeutil import parse_day, utcnow

AGENDA_MAX = 5000
MINUTES_MAX = 100000
#: Most people a meeting's attendance may count on one side (a typing slip, not a meeting).
PEOPLE_MAX = 10000
#: OGP Standard 1: the space for dialogue meets at least every six months.
STALE_AFTER_MONTHS = 6
#: OGP Standard 5: at least two meetings a year with civil society on implementation.
CIVIL_SOCIETY_MEETINGS_MIN = 2


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
    with stored_pdf(minutes_pdf) as stored:
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
    with stored_pdf(minutes_pdf) as stored:
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
        remove_file(old_file)  # only once the row no longer points at it
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
