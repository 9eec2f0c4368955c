"""The co-creation processes of the reference data: the IV Plan as history, and a practice one.

The IV Plan's survey, workshops and expert sessions left no individual records: only the
results sheet's figures were published. They are reconstructed here deterministically (a
fixed random seed), through the services the web uses (registration, survey responses,
sign-in sheets imported by a moderator, published notes), so that the results sheet, which
knows none of the figures below, finds them in the records. The call's proposals and the
consultation's figures are those of the reference consultation (`participation.py`).

Each of the consultation's proposals is linked (as a moderator would, through
`processes.origins`) to the survey theme and the workshop of its own theme: the real
links were not published either, so they follow the proposals' themes, and say so.

The survey's respondents are their own synthetic accounts, registered in July 2020 before they
answer: the consultation's citizens register in the consultation's window (October 2020), so
a survey response from them would predate its account.
Some respondents then attend a workshop, linked to their account by the sign-in sheet.
"""
import csv
import io
import itertools
import logging
import random
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import delete, select

from aga_consulta.accounts.models import User
from aga_consulta.accounts.roles import record_account_created_by_operator
from aga_consulta.accounts.services import get_user_by_email
from aga_consulta.consultations.services import create_consultation
from aga_consulta.events.models import Attendance, Event, EventKind, EventOutcome, Registration
from aga_consulta.events.services import create_event, import_sheet, publish_notes
from aga_consulta.extensions import db
from aga_consulta.processes.models import Process, Step, StepKind
from aga_consulta.processes.origins import candidates, set_origins
from aga_consulta.processes.services import create_process, get_by_slug, step_of
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.services import create_proposal
from aga_consulta.seed.participation import (
    DEPARTMENT_WEIGHTS, FIRST_NAMES, SEED_DOMAIN, SURNAMES, cheap_password_hashing, fresh_session,
    lock_synthetic_accounts, synthetic_account,
)
from aga_consulta.surveys.models import Answer, Option, Question, Response, Survey, ThemeLink
from aga_consulta.surveys.services import create_survey, submit_response

IV_PLAN_SLUG = "iv-plan"
DEMO_SLUG = "demo"
RANDOM_SEED = 20200701

#: The published figures of steps 1-3 (the results sheet never sees them).
SURVEY_RESPONDENTS = 880
#: The thematic survey reached 29 departments (CEPAL's page on the plan).
SURVEY_DEPARTMENTS = 29
WORKSHOP_PEOPLE = 149
#: Workshop attendees linked to a survey respondent's account, and how many of them came twice.
WORKSHOP_LINKED = 40
WORKSHOP_RETURNING = 10
EXPERTS = 31
FREE_TEXT_SHARE = 0.15
#: How long the practice process stays open from loading.
DEMO_DAYS = 60

#: The IV Plan's timeline (2020) before and after the consultation step (whose dates are the
#: consultation's real ones): every step closed, the selection after the consultation closed.
IV_PLAN_STEPS = (
    (StepKind.THEMATIC_SURVEY, datetime(2020, 7, 1, 5, 0), datetime(2020, 8, 1, 5, 0)),
    (StepKind.WORKSHOPS, datetime(2020, 8, 3, 5, 0), datetime(2020, 9, 5, 5, 0)),
    (StepKind.EXPERT_SESSIONS, datetime(2020, 9, 7, 5, 0), datetime(2020, 9, 26, 5, 0)),
    (StepKind.CALL_FOR_PROPOSALS, datetime(2020, 9, 14, 5, 0), datetime(2020, 10, 10, 5, 0)),
    (StepKind.CONSULTATION, None, None),
    (StepKind.SELECTION, datetime(2020, 11, 9, 5, 0), datetime(2020, 12, 12, 5, 0)),
)
RECONSTRUCTION_NOTE = (
    " Reconstrucción de referencia: los registros individuales de la encuesta, los talleres y las "
    "sesiones con personas expertas nunca se publicaron; esta es una reconstrucción determinista "
    "que reproduce las cifras de la ficha de resultados publicada."
)
IV_PLAN_TITLE = "Co-creación del IV Plan de Acción Nacional de Estado Abierto 2020-2022"
IV_PLAN_DESCRIPTION = (
    "Las seis etapas con las que se co-creó el IV Plan de Acción de Colombia ante la Alianza para el "
    "Gobierno Abierto: consulta temática, talleres por mesa temática, conversaciones técnicas con "
    "personas expertas, convocatoria de propuestas, consulta para retroalimentar y priorizar, y "
    "selección de compromisos." + RECONSTRUCTION_NOTE
)
STEP_DESCRIPTIONS = {
    StepKind.THEMATIC_SURVEY: "Cuestionario en línea: qué problemas y temas debería abordar el plan.",
    StepKind.WORKSHOPS: "Sesiones virtuales de trabajo, una por mesa temática, con su relatoría publicada.",
    StepKind.EXPERT_SESSIONS: "Conversaciones técnicas de alto nivel con personas expertas.",
    StepKind.CALL_FOR_PROPOSALS: "Entidades nacionales y gobiernos subnacionales postulan compromisos con la plantilla de la AGA.",
    StepKind.CONSULTATION: "La ciudadanía vota y comenta las propuestas recibidas.",
    StepKind.SELECTION: "El Comité de Seguimiento selecciona los compromisos, después del cierre de la consulta.",
}

THEMES = (
    "Datos abiertos", "Lucha contra la corrupción", "Trámites y servicios", "Ambiente",
    "Finanzas públicas", "Participación ciudadana", "Justicia abierta", "Contratación pública",
)
SECTORS = ("Ciudadanía a título personal", "Organización de la sociedad civil", "Academia",
           "Sector público", "Sector privado")
SURVEY_QUESTIONS = (
    {"kind": "multiple_choice", "required": True, "max_choices": 3, "options": THEMES,
     "text": "¿Qué temas debería abordar el IV Plan de Acción? (hasta tres)"},
    {"kind": "single_choice", "required": True, "options": SECTORS, "text": "¿Desde qué sector participa?"},
    {"kind": "scale", "required": True, "scale_min": 1, "scale_max": 5,
     "text": "¿Qué tan importante es para usted que las entidades rindan cuentas de sus compromisos? (1 a 5)"},
    {"kind": "free_text", "required": False,
     "text": "¿Qué problema público concreto debería resolver el plan en su territorio?"},
)
THEME_WEIGHTS = (9, 10, 6, 5, 4, 7, 3, 6)
SECTOR_WEIGHTS = (60, 20, 8, 9, 3)
SCALE_WEIGHTS = (2, 3, 10, 30, 55)
PROBLEMS = (
    "No se sabe en qué se gastan las regalías", "Los contratos de obra se publican tarde",
    "Las audiencias de rendición de cuentas son solo informativas", "Los trámites de salud exigen ir en persona",
    "No hay datos sobre la calidad del agua", "Las veedurías no reciben respuesta a sus derechos de petición",
    "La información del presupuesto no es comprensible", "Los proyectos de vías quedan inconclusos",
    "No se conocen los criterios para asignar subsidios", "Las denuncias de corrupción no tienen seguimiento",
    "La deforestación avanza sin control público", "Los procesos judiciales tardan años sin información",
)
PLACES = (
    "en mi municipio", "en la zona rural", "en las cabeceras municipales", "en los barrios populares",
    "en los resguardos indígenas", "en los consejos comunitarios", "en la capital del departamento",
    "en los municipios PDET", "en la costa", "en la frontera", "en las veredas", "en las comunas",
)
#: Workshops (one per thematic table) and expert sessions: theme, day of the step, people.
WORKSHOP_SHARES = (24, 22, 18, 16, 14, 20, 15, 20)
#: The sessions' sizes add up to EXPERTS.
EXPERT_SESSIONS = (
    ("Datos abiertos y tecnología para la apertura", 8),
    ("Integridad y lucha contra la corrupción", 9),
    ("Justicia abierta y control fiscal", 7),
    ("Gobierno abierto territorial", 7),
)
WORKSHOP_SECTORS = (("civil_society", 45), ("public_sector", 30), ("academia", 15), ("private_sector", 5), ("other", 5))
EXPERT_SECTORS = (("academia", 40), ("civil_society", 35), ("public_sector", 20), ("private_sector", 5))
MODERATOR_EMAIL = "moderacion-cocreacion@" + SEED_DOMAIN
MODERATOR_NAME = "Equipo de Co-creación, Secretaría de Transparencia"
PLACE = "Sesión virtual por videoconferencia"
NOTES = (
    "Relatoría de la mesa «{theme}»: las personas participantes señalaron los problemas públicos "
    "que el plan debería atender en este tema y propusieron ideas de compromiso para la convocatoria. "
    "Reconstrucción de referencia: el texto original de la relatoría no se publicó."
)

DEMO_TITLE = "Proceso de práctica"
DEMO_DESCRIPTION = (
    "Un lugar para probar la plataforma: regístrese, responda la encuesta, vote y comente. Es una "
    "práctica: sus respuestas no cuentan para ningún plan de acción."
)
DEMO_CONSULTATION_TITLE = "Consulta de práctica"
DEMO_CONSULTATION_DESCRIPTION = (
    "Consulta de práctica para conocer la plataforma: vote y comente estas propuestas de ejemplo. "
    "No cuenta para ningún plan de acción."
)
DEMO_SURVEY_QUESTIONS = (
    {"kind": "multiple_choice", "required": True, "max_choices": 2, "options": THEMES[:5],
     "text": "¿Qué temas le interesan más? (hasta dos)"},
    {"kind": "scale", "required": False, "scale_min": 1, "scale_max": 5,
     "text": "¿Qué tan fácil le resultó participar? (1 a 5)"},
    {"kind": "free_text", "required": False, "text": "¿Qué le gustaría mejorar?"},
)
DEMO_BODY_NOTE = " Propuesta de ejemplo para practicar: no la postuló ninguna entidad y no hará parte de ningún plan."
#: code, scope, department, municipality, theme, proposer, title, summary, body (two of each scope)
DEMO_PROPOSALS = (
    ("N-1", "national", "", "", "Datos abiertos", "Entidad nacional de ejemplo",
     "Datos abiertos de ejemplo", "Publicar en datos abiertos la información de ejemplo de una entidad nacional.",
     "La entidad publicaría cada trimestre sus bases de datos en formatos abiertos, con un diccionario de datos "
     "y la fecha de la última actualización."),
    ("N-2", "national", "", "", "Trámites y servicios", "Entidad nacional de ejemplo",
     "Un trámite más sencillo", "Simplificar un trámite de ejemplo con la ayuda de quienes lo usan.",
     "Personas usuarias y servidores públicos revisarían juntos cada paso del trámite para quitar requisitos "
     "que no hacen falta y permitir hacerlo en línea."),
    ("S-1", "subnational", "76", "Cali", "Participación ciudadana", "Gobierno local de ejemplo",
     "Presupuesto participativo de ejemplo", "Decidir con la ciudadanía una parte del presupuesto local.",
     "Cada comuna propondría y votaría proyectos para una parte del presupuesto de inversión, y la alcaldía "
     "publicaría el avance de los elegidos."),
    ("S-2", "subnational", "05", "Medellín", "Contratación pública", "Gobierno local de ejemplo",
     "Contratos abiertos de ejemplo", "Publicar los contratos locales en formato abierto.",
     "La alcaldía publicaría sus contratos, con sus modificaciones y pagos, en el estándar de datos de "
     "contrataciones abiertas."),
)


def _account_name(rng):
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"


def _departments(rng, n):
    """Departments for `n` people: each of the SURVEY_DEPARTMENTS largest at least once."""
    codes = sorted(DEPARTMENT_WEIGHTS, key=lambda code: -DEPARTMENT_WEIGHTS[code])[:SURVEY_DEPARTMENTS]
    weights = [DEPARTMENT_WEIGHTS[code] for code in codes]
    chosen = list(codes) + rng.choices(codes, weights, k=n - len(codes))
    rng.shuffle(chosen)
    return chosen


def _answers(rng, survey, free_texts):
    questions = survey.questions
    themes = rng.choices(range(len(THEMES)), THEME_WEIGHTS, k=3)
    raw = {
        questions[0].id: [str(questions[0].options[i].id) for i in dict.fromkeys(themes)],
        questions[1].id: [str(rng.choices(questions[1].options, SECTOR_WEIGHTS)[0].id)],
        questions[2].id: [str(rng.choices(range(1, 6), SCALE_WEIGHTS)[0])],
    }
    if free_texts and rng.random() < FREE_TEXT_SHARE:
        raw[questions[3].id] = [free_texts.pop()]
    return raw


def load_survey(rng, step):
    """Create the thematic survey and answer it as SURVEY_RESPONDENTS synthetic citizens; return their ids."""
    survey = create_survey(title="Consulta temática del IV Plan de Acción", questions=SURVEY_QUESTIONS,
                           description=STEP_DESCRIPTIONS[StepKind.THEMATIC_SURVEY] + RECONSTRUCTION_NOTE,
                           opens_at=step.opens_at, closes_at=step.closes_at, step=step)
    survey_id = survey.id
    span = (step.closes_at - step.opens_at).total_seconds()
    # One problem per place, never the same sentence from two people.
    free_texts = [f"{problem} {place}." for problem, place in itertools.product(PROBLEMS, PLACES)]
    rng.shuffle(free_texts)
    respondents = []
    accounts_log = logging.getLogger("aga_consulta.accounts")
    level = accounts_log.level
    accounts_log.setLevel(logging.WARNING)  # one line per synthetic account would bury the output
    try:
        with cheap_password_hashing():
            moments = sorted(step.opens_at + timedelta(seconds=rng.uniform(3600, span - 60))
                             for _ in range(SURVEY_RESPONDENTS))
            for number, (department, at) in enumerate(zip(_departments(rng, SURVEY_RESPONDENTS), moments), start=1):
                user = synthetic_account(f"encuesta-{number:04d}@{SEED_DOMAIN}", _account_name(rng), department,
                                         "citizen", at - timedelta(minutes=rng.uniform(1, 50)))
                respondents.append((user.id, department))
                survey = db.session.get(Survey, survey_id)
                submit_response(user, survey, _answers(rng, survey, free_texts), now=at)
                fresh_session()
    finally:
        accounts_log.setLevel(level)
    lock_synthetic_accounts()
    return respondents


def _sheet(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("department", "sector", "email"))
    writer.writerows(rows)
    return out.getvalue()


def _sector(rng, weights):
    sectors, shares = zip(*weights)
    return rng.choices(sectors, shares)[0]


def _session(moderator, step, kind, theme, starts_at, rows):
    """Create one event, import its sign-in sheet and publish its notes, all through the services."""
    event = create_event(kind=kind, theme=theme, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
                         place=PLACE, step=step, actor=moderator, now=starts_at - timedelta(days=7))
    import_sheet(moderator, event, _sheet(rows), now=starts_at + timedelta(hours=4))
    publish_notes(moderator, event, NOTES.format(theme=theme), now=starts_at + timedelta(days=2))


def load_workshops(rng, step, moderator_id, respondents):
    """One workshop per thematic table: WORKSHOP_PEOPLE people, some linked to survey respondents."""
    codes = sorted(DEPARTMENT_WEIGHTS)
    weights = [DEPARTMENT_WEIGHTS[code] for code in codes]
    linked = rng.sample(respondents, WORKSHOP_LINKED)
    emails = dict(db.session.execute(select(User.id, User.email).where(User.id.in_([uid for uid, _ in linked]))).all())
    sessions = [[] for _ in THEMES]
    # Linked people: one workshop each, a few come back to a second one (still one person).
    for n, (user_id, department) in enumerate(linked):
        tables = rng.sample(range(len(THEMES)), 2 if n < WORKSHOP_RETURNING else 1)
        for table in tables:
            sessions[table].append((department, _sector(rng, WORKSHOP_SECTORS), emails[user_id]))
    unlinked = WORKSHOP_PEOPLE - WORKSHOP_LINKED
    for table in rng.choices(range(len(THEMES)), WORKSHOP_SHARES, k=unlinked):
        sessions[table].append((rng.choices(codes, weights)[0], _sector(rng, WORKSHOP_SECTORS), ""))
    for n, (theme, rows) in enumerate(zip(THEMES, sessions)):
        fresh_session()
        rng.shuffle(rows)
        _session(db.session.get(User, moderator_id), step, EventKind.WORKSHOP, theme,
                 step.opens_at + timedelta(days=2 + 4 * n, hours=14), rows)


def load_expert_sessions(rng, step, moderator_id):
    """The technical sessions: EXPERTS people, one session each, without accounts."""
    codes = ("11", "05", "76", "08", "68")
    for n, (theme, people) in enumerate(EXPERT_SESSIONS):
        fresh_session()
        rows = [(rng.choice(codes), _sector(rng, EXPERT_SECTORS), "") for _ in range(people)]
        _session(db.session.get(User, moderator_id), step, EventKind.EXPERT_SESSION, theme,
                 step.opens_at + timedelta(days=1 + 4 * n, hours=15), rows)


def create_process_moderator():
    """Return the id of the staff account that recorded the 2020 sessions (created once, before them)."""
    existing = get_user_by_email(MODERATOR_EMAIL)
    if existing is not None:
        return existing.id
    registered_at = IV_PLAN_STEPS[0][1] - timedelta(days=30)
    with cheap_password_hashing():
        user = synthetic_account(MODERATOR_EMAIL, MODERATOR_NAME, "11", "moderator", registered_at)
        record_account_created_by_operator(user, now=registered_at)
        user_id = user.id
    lock_synthetic_accounts()
    return user_id


def load_iv_plan(consultation, consultation_window):
    """Create the IV Plan process (history, every step closed) and reconstruct steps 1-3; return its id.

    `consultation_window` is the consultation step's (opens_at, closes_at): the real 2020 dates.
    """
    rng = random.Random(RANDOM_SEED)
    consultation_id = consultation.id
    steps = [{"kind": kind, "opens_at": opens_at or consultation_window[0],
              "closes_at": closes_at or consultation_window[1], "description": STEP_DESCRIPTIONS[kind],
              "consultation": consultation if kind in (StepKind.CONSULTATION, StepKind.SELECTION) else None}
             for kind, opens_at, closes_at in IV_PLAN_STEPS]
    process = create_process(slug=IV_PLAN_SLUG, title=IV_PLAN_TITLE, description=IV_PLAN_DESCRIPTION, steps=steps,
                             is_reconstruction=True)
    process_id = process.id
    moderator_id = create_process_moderator()
    # Plain copies: the services commit and the seed empties the session between calls.
    survey_step, workshop_step, expert_step = (
        SimpleNamespace(id=step.id, opens_at=step.opens_at, closes_at=step.closes_at)
        for step in (step_of(process, kind) for kind in (
            StepKind.THEMATIC_SURVEY, StepKind.WORKSHOPS, StepKind.EXPERT_SESSIONS)))
    respondents = load_survey(rng, survey_step)
    load_workshops(rng, workshop_step, moderator_id, respondents)
    load_expert_sessions(rng, expert_step, moderator_id)
    fresh_session()
    link_origins(consultation_id, moderator_id)
    return process_id


#: When the origins were recorded: as the call's proposals went into the consultation.
ORIGINS_RECORDED_AT = datetime(2020, 10, 12, 15, 0)


def link_origins(consultation_id, moderator_id):
    """Link each proposal to the survey theme and the workshop named like its own theme."""
    proposal_ids = list(db.session.scalars(select(Proposal.id).where(Proposal.consultation_id == consultation_id)
                                           .order_by(Proposal.id)))
    for proposal_id in proposal_ids:
        proposal = db.session.get(Proposal, proposal_id)
        if proposal.theme is None:
            continue
        offered = candidates(proposal)
        events = [str(event.id) for event in offered["events"]
                  if event.kind == EventKind.WORKSHOP and event.theme == proposal.theme.name]
        # The first question asks which themes the plan should tackle.
        themes = [str(option.id) for question, option in offered["options"]
                  if question.position == 1 and option.label == proposal.theme.name]
        set_origins(db.session.get(User, moderator_id), proposal, event_ids=events, option_ids=themes,
                    now=ORIGINS_RECORDED_AT)
    fresh_session()


def load_demo(now):
    """Create the practice process, open for DEMO_DAYS from `now`, and return it.

    Its survey and its consultation `demo` (proposals of both scopes) are open at once, so
    that a newcomer can register, answer, vote and comment straight away. The process is
    flagged `is_practice`: its pages, and the consultation's, say that nothing done here
    counts.
    """
    opens_at = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    closes_at = opens_at + timedelta(days=DEMO_DAYS)
    consultation = create_consultation(slug=DEMO_SLUG, title=DEMO_CONSULTATION_TITLE,
                                       description=DEMO_CONSULTATION_DESCRIPTION, opens_at=opens_at,
                                       closes_at=closes_at)
    for code, scope, department, municipality, theme, proposer, title, summary, body in DEMO_PROPOSALS:
        create_proposal(consultation, {"code": code, "scope": scope, "department_code": department,
                                       "municipality": municipality, "theme": theme, "proposer": proposer,
                                       "title": title, "summary": summary, "body": body + DEMO_BODY_NOTE},
                        commit=False)
    db.session.commit()
    window = {"opens_at": opens_at, "closes_at": closes_at}
    process = create_process(
        slug=DEMO_SLUG, title=DEMO_TITLE, description=DEMO_DESCRIPTION, is_practice=True,
        steps=[{"kind": StepKind.THEMATIC_SURVEY, **window}, {"kind": StepKind.CONSULTATION, **window,
                                                              "consultation": consultation}],
    )
    create_survey(title="Encuesta de práctica", questions=DEMO_SURVEY_QUESTIONS, description=DEMO_DESCRIPTION,
                  step=step_of(process, StepKind.THEMATIC_SURVEY), **window)
    return process


def delete_process(process):
    """Remove a process with its surveys, responses, events and attendance."""
    step_ids = select(Step.id).where(Step.process_id == process.id)
    survey_ids = select(Survey.id).where(Survey.step_id.in_(step_ids))
    question_ids = select(Question.id).where(Question.survey_id.in_(survey_ids))
    event_ids = select(Event.id).where(Event.step_id.in_(step_ids))
    db.session.execute(delete(ThemeLink).where(ThemeLink.option_id.in_(
        select(Option.id).where(Option.question_id.in_(question_ids)))))
    db.session.execute(delete(EventOutcome).where(EventOutcome.event_id.in_(event_ids)))
    db.session.execute(delete(Registration).where(Registration.event_id.in_(event_ids)))
    db.session.execute(delete(Answer).where(Answer.question_id.in_(question_ids)))
    db.session.execute(delete(Response).where(Response.survey_id.in_(survey_ids)))
    db.session.execute(delete(Option).where(Option.question_id.in_(question_ids)))
    db.session.execute(delete(Question).where(Question.survey_id.in_(survey_ids)))
    db.session.execute(delete(Survey).where(Survey.id.in_(survey_ids)))
    db.session.execute(delete(Attendance).where(Attendance.event_id.in_(event_ids)))
    db.session.execute(delete(Event).where(Event.id.in_(event_ids)))
    db.session.execute(delete(Step).where(Step.process_id == process.id))
    db.session.execute(delete(Process).where(Process.id == process.id))
    db.session.commit()
    fresh_session()


def delete_processes():
    """Remove the reference processes (before a reload); their consultations are the caller's."""
    for slug in (IV_PLAN_SLUG, DEMO_SLUG):
        process = get_by_slug(slug)
        if process is not None:
            delete_process(process)
