"""The reference committee: member organisations, meetings from 2020 to 2026, a few documents.

No full record of Colombia's AGA committee (its membership over time, its meetings, its
minutes) was published. The government entities below are real kinds of members; the
civil-society organisations are invented; every date, attendance and minute is invented,
deterministically (a fixed random seed), and each row is flagged as a reconstruction, which
the public page says. Everything goes through the committee's services, recorded by the
reference processes' moderator.
"""
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from aga_consulta.accounts.models import User
from aga_consulta.committee import documents, meetings, members
from aga_consulta.committee.models import Document, Meeting, Member, meeting_attendance
from aga_consulta.extensions import db
from aga_consulta.seed.cocreation import create_process_moderator

RANDOM_SEED = 20200618
#: When the platform's moderators entered the committee's existing membership.
ENTERED_AT = datetime(2020, 6, 15, 15, 0)

#: (name, sector, role, joined, left): government entities and invented civil-society organisations.
MEMBERS = (
    ("Secretaría de Transparencia de la Presidencia de la República", "government", "chair", date(2019, 9, 1), None),
    ("Departamento Administrativo de la Función Pública", "government", "technical_secretariat", date(2019, 9, 1), None),
    ("Ministerio de Tecnologías de la Información y las Comunicaciones", "government", "member", date(2019, 9, 1), None),
    ("Departamento Nacional de Planeación", "government", "member", date(2019, 9, 1), None),
    ("Procuraduría General de la Nación", "government", "observer", date(2020, 2, 1), None),
    ("Corporación Ciudadanía Abierta", "civil_society", "member", date(2019, 9, 1), None),
    ("Fundación Datos para Todos", "civil_society", "member", date(2019, 9, 1), date(2023, 6, 30)),
    ("Red de Veedurías Territoriales", "civil_society", "member", date(2020, 2, 1), None),
    ("Colectivo Mujeres por el Gobierno Abierto", "civil_society", "member", date(2023, 7, 1), None),
)

#: What each period's meetings were about.
AGENDAS = (
    (date(2020, 12, 31), ("Cronograma de co-creación del IV Plan de Acción", "Resultados de la encuesta temática",
                          "Preparación de las mesas de trabajo y la consulta ciudadana")),
    (date(2022, 12, 31), ("Seguimiento de los compromisos del IV Plan", "Informe de avance a la ciudadanía",
                          "Mesa de trabajo con la sociedad civil sobre la implementación")),
    (date(2023, 12, 31), ("Autoevaluación final del IV Plan", "Respuesta a la revisión del Mecanismo de Revisión "
                          "Independiente (IRM)", "Cronograma de co-creación del siguiente plan")),
    (date(2026, 12, 31), ("Seguimiento de los compromisos del plan vigente", "Informe de avance a la ciudadanía",
                          "Mesa de trabajo con la sociedad civil sobre la implementación")),
)

#: Roughly quarterly from June 2020 to September 2026; the pandemic's first year has a gap.
MEETING_MONTHS = [(2020, 6), (2020, 9), (2020, 12), (2021, 3), (2021, 10)] + [
    (year, month) for year in range(2022, 2027) for month in (3, 6, 9, 12) if (year, month) < (2026, 12)]

MINUTES = (
    "Reconstrucción: acta inventada para los datos de referencia; no corresponde a una reunión real.\n\n"
    "Asistieron {attendees}.\n\n"
    "1. {first}: la secretaría técnica presentó el estado de avance y las entidades responsables "
    "respondieron las preguntas de las organizaciones de la sociedad civil.\n"
    "2. {second}: se acordó publicar el informe en el repositorio del comité.\n"
    "3. {third}: se definieron responsables y fechas para la próxima sesión."
)

#: (category, title, dated on, link): public pages of the Open Government Partnership.
DOCUMENTS = (
    ("rules", "Estándares de participación y co-creación de la OGP", date(2022, 1, 1),
     "https://www.opengovpartnership.org/ogp-participation-co-creation-standards/"),
    ("plans", "Planes de acción de Colombia en la Alianza para el Gobierno Abierto", date(2020, 12, 15),
     "https://www.opengovpartnership.org/members/colombia/"),
    ("reports", "Informes del Mecanismo de Revisión Independiente (IRM) sobre Colombia", date(2022, 6, 1),
     "https://www.opengovpartnership.org/members/colombia/"),
)


def _agenda(day):
    return next(items for until, items in AGENDAS if day <= until)


def delete_reconstruction():
    """Remove the reconstructed committee (before a reload); records moderators added stay."""
    db.session.execute(delete(Meeting).where(Meeting.is_reconstruction.is_(True)))
    reconstructed = select(Member.id).where(Member.is_reconstruction.is_(True))
    db.session.execute(delete(meeting_attendance).where(meeting_attendance.c.member_id.in_(reconstructed)))
    db.session.execute(delete(Member).where(Member.is_reconstruction.is_(True)))
    db.session.execute(delete(Document).where(Document.is_reconstruction.is_(True), Document.file.is_(None)))
    db.session.commit()


def load_committee(reset=False):
    """Load the reference committee when the committee has no members; return the meetings loaded.

    With `reset`, the reconstruction is removed first. Once moderators keep the real
    committee (any member of their own), the reconstruction is never loaded beside it.
    """
    if reset:
        delete_reconstruction()
    if db.session.scalar(select(Member.id).limit(1)) is not None:
        return 0
    rng = random.Random(RANDOM_SEED)
    moderator = db.session.get(User, create_process_moderator())
    organisations = [members.add_member(moderator, name=name, sector=sector, role=role, joined_on=joined,
                                        left_on=left, is_reconstruction=True, now=ENTERED_AT)
                     for name, sector, role, joined, left in MEMBERS]
    loaded = 0
    for year, month in MEETING_MONTHS:
        held_on = date(year, month, rng.randint(8, 24))
        active = [member for member in organisations if member.active_on(held_on)]
        government = [m for m in active if m.sector == "government"]
        civil = [m for m in active if m.sector == "civil_society"]
        attendees = government[:2] + rng.sample(government[2:], rng.randint(1, len(government) - 2))
        # Civil society missed a few meetings: the record then shows government-only sessions.
        if rng.random() > 0.15:
            attendees += rng.sample(civil, rng.randint(1, len(civil)))
        attendees.sort(key=lambda member: member.name)
        first, second, third = _agenda(held_on)
        meetings.create_meeting(
            moderator, held_on=held_on, agenda=f"1. {first}\n2. {second}\n3. {third}",
            minutes=MINUTES.format(attendees=", ".join(m.name for m in attendees), first=first, second=second,
                                   third=third),
            attendee_ids=[member.id for member in attendees],
            government_people=sum(rng.randint(1, 3) for m in attendees if m.sector == "government"),
            civil_society_people=sum(rng.randint(1, 2) for m in attendees if m.sector == "civil_society"),
            other_people=rng.randint(0, 6), is_reconstruction=True,
            now=datetime.combine(held_on + timedelta(days=3), time(15, 0)))
        loaded += 1
    for category, title, dated_on, link in DOCUMENTS:
        documents.add_document(moderator, category=category, title=title, dated_on=dated_on, link=link,
                               is_reconstruction=True, now=datetime.combine(dated_on, time(15, 0)))
    return loaded
