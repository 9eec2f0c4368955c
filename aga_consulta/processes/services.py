"""Processes: the validated create, lookups, and the results sheet computed from the records.

The results sheet (the figures an OGP committee publishes for each step) is computed here,
never typed in. Each figure counts distinct people, or records, of its own step:

- survey: respondents of the process's thematic survey (one response per citizen);
- workshops / experts: sessions, and distinct attendees of the step's events (an attendee
  linked to an account counts once however many sessions they attended; one without an
  account counts once per sign-in row, since nothing tells two such rows apart);
- call: proposals received, by scope: the call's submissions that did not go on to the
  consultation, plus every proposal of the consultation (received there through the call,
  the moderator's form or the CSV import);
- consultation: participants and comments received, from the consultation's tally;
- selected: the consultation's selected proposals, by scope;
- plan: the published plan's commitments, by scope and by IRM completion level
  (plan.queries.plan_tally; zeros before a plan is published).

`distinct_people` counts people across every step: the distinct accounts among survey
respondents, attendees linked to an account and consultation participants, plus each
attendance recorded without an account (those cannot be matched with anyone, so the figure
is an upper bound when unlinked attendees also took part elsewhere). Institution accounts
submitting proposals speak for an institution, not for a person, and are not counted.
"""
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from aga_consulta.accounts.permissions import ensure_admin
from aga_consulta.audit import record
from aga_consulta.calls.models import Submission, SubmissionStatus
from aga_consulta.consultations import services as consultations
from aga_consulta.consultations.models import Consultation
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.events.models import Attendance, Event
from aga_consulta.events.services import attendance_by_event, attendee_count, events_of_step
from aga_consulta.extensions import db
from aga_consulta.plan.queries import plan_tally
from aga_consulta.processes.models import CONSULTATION_KINDS, STEP_KINDS, Process, Step, StepKind
from aga_consulta.proposals.models import SCOPES
from aga_consulta.surveys.models import Response, Survey
from aga_consulta.surveys.services import respondent_count, survey_of_step
from aga_consulta.tally.services import comment_totals, participants_subquery, proposal_totals
from aga_consulta.text import clean_text, one_line
from aga_consulta.timeutil import isoformat_utc, to_naive_utc, utcnow

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
TITLE_MAX = 200
DESCRIPTION_MAX = 20000
#: Dates outside these years are a typing mistake, refused with 400 (never a database error).
MIN_YEAR, MAX_YEAR = 2000, 2100


#: "Not given" (None means "the process has no survey").
_UNSET = object()


class ProcessSlugTaken(DomainError):
    """Another process has this slug."""

    message = _l("Ya existe un proceso con ese identificador.")


def sane_datetime(value, label):
    """Return `value` as naive UTC, checked to fall in a sane range of years.

    :raises ValidationFailed: missing, not a datetime, or outside MIN_YEAR..MAX_YEAR.
    """
    if not isinstance(value, datetime):
        raise ValidationFailed(_l("Indica la fecha de «%(field)s».", field=label))
    value = to_naive_utc(value)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(_l("La fecha de «%(field)s» debe estar entre los años %(min)d y %(max)d.",
                                  field=label, min=MIN_YEAR, max=MAX_YEAR))
    return value


def _validated_step(spec):
    kind = spec.get("kind")
    if kind not in STEP_KINDS:
        raise ValidationFailed(_l("Tipo de etapa desconocido."))
    opens_at = sane_datetime(spec.get("opens_at"), _l("apertura"))
    closes_at = sane_datetime(spec.get("closes_at"), _l("cierre"))
    if closes_at <= opens_at:
        raise ValidationFailed(_l("La fecha de cierre debe ser posterior a la de apertura."))
    consultation = spec.get("consultation")
    if (kind in CONSULTATION_KINDS) != (consultation is not None):
        raise ValidationFailed(_l("Las etapas de consulta y de selección, y solo ellas, se refieren a una consulta."))
    description = clean_text(spec.get("description", ""))
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    return {"kind": StepKind(kind), "opens_at": opens_at, "closes_at": closes_at,
            "consultation_id": consultation.id if consultation is not None else None, "description": description}


def create_process(*, slug, title, steps, description="", is_practice=False, is_reconstruction=False,
                   actor=None, now=None):
    """Create a process with its steps, in the order given, and return it.

    `steps` is a list of dicts: kind, opens_at, closes_at, optional description, and the
    consultation for the consultation and selection steps. `actor` is the admin (audited);
    None for the reference seed and tests.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: a bad slug, title, description, kind, date or window, or a kind twice.
    :raises ProcessSlugTaken: the slug is in use.
    """
    if actor is not None:
        ensure_admin(actor)
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
        raise ValidationFailed(_l("El identificador solo admite minúsculas, números y guiones (máximo 80)."))
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX))
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    validated = [_validated_step(spec) for spec in steps]
    kinds = [step["kind"] for step in validated]
    if len(set(kinds)) != len(kinds):
        raise ValidationFailed(_l("Cada tipo de etapa aparece una sola vez en un proceso."))
    process = Process(slug=slug, title=title, description=description, is_practice=is_practice,
                      is_reconstruction=is_reconstruction)
    process.steps = [Step(position=n, **fields) for n, fields in enumerate(validated, start=1)]
    db.session.add(process)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ProcessSlugTaken() from None
    if actor is not None:
        record(actor, "process.create", "process", process.id, target_label=slug,
               after={"title": title, "steps": ",".join(kinds)}, now=now)
    db.session.commit()
    return process


def get_by_slug(slug):
    """Return the process with this slug (its steps loaded), or None."""
    if not slug or len(slug) > SLUG_MAX:
        return None
    return db.session.scalar(select(Process).options(selectinload(Process.steps)).where(Process.slug == slug))


def list_processes():
    """Return every process: real ones first, then practice ones, newest first within each."""
    return list(db.session.scalars(
        select(Process).options(selectinload(Process.steps))
        .order_by(Process.is_practice, Process.created_at.desc(), Process.id.desc())
    ))


def consultation_and_process(slug):
    """Return (the consultation with this slug, its process or None) in one statement, or None."""
    statement = consultations.by_slug_statement(slug)
    if statement is None:
        return None
    row = db.session.execute(
        statement.add_columns(Process)
        .outerjoin(Step, (Step.consultation_id == Consultation.id) & (Step.kind == StepKind.CONSULTATION))
        .outerjoin(Process, Process.id == Step.process_id)
    ).first()
    return None if row is None else tuple(row)


def practice_consultation_ids():
    """Return the ids of the consultations that belong to a practice process."""
    return set(db.session.scalars(
        select(Step.consultation_id).join(Process, Process.id == Step.process_id)
        .where(Process.is_practice, Step.kind == StepKind.CONSULTATION)
    ))


def step_of(process, kind):
    """Return the process's step of this kind, or None."""
    return next((step for step in process.steps if step.kind == kind), None)


def _empty_scopes():
    return {scope: 0 for scope in SCOPES}


def _consultation_figures(process):
    """The consultation step's consultation and the few tally figures the sheet shows.

    The same rules as `tally.services.compute_tally` (participants_subquery, comment_totals,
    proposal_totals), without its ranking and per-department passes, which the sheet does
    not show.
    """
    step = step_of(process, StepKind.CONSULTATION) or step_of(process, StepKind.SELECTION)
    if step is None:
        return None, None
    consultation = step.consultation
    proposals, selected = proposal_totals(consultation)
    people = participants_subquery(consultation.id)
    participants = db.session.scalar(select(func.count()).select_from(people))
    return consultation, {"proposals": proposals, "selected": selected, "participants": int(participants),
                          "comments": comment_totals(consultation)}


def _call_figures(process, tally):
    received = _empty_scopes()
    step = step_of(process, StepKind.CALL_FOR_PROPOSALS)
    if step is not None:
        # Accepted ones are counted below, among the consultation's proposals.
        for scope, n in db.session.execute(
            select(Submission.scope, func.count()).where(Submission.step_id == step.id,
                                                         Submission.status != SubmissionStatus.ACCEPTED)
            .group_by(Submission.scope)
        ):
            received[scope] += int(n)
    if tally is not None:
        for scope in SCOPES:
            received[scope] += tally["proposals"][scope]
    return received


def _account_ids(process, consultation, survey):
    """Selects of the account ids that took part in some step (see distinct_people)."""
    selects = []
    if survey is not None:
        selects.append(select(Response.user_id).where(Response.survey_id == survey.id))
    selects.append(select(Attendance.user_id).join(Event, Event.id == Attendance.event_id)
                   .where(Event.step_id.in_(_step_ids(process)), Attendance.user_id.is_not(None)))
    if consultation is not None:
        people = participants_subquery(consultation.id)
        selects.append(select(people.c.user_id))
    return selects


def process_survey(process):
    """Return the survey of the process's thematic-survey step, or None."""
    step = step_of(process, StepKind.THEMATIC_SURVEY)
    return survey_of_step(step.id) if step is not None else None


def _step_ids(process):
    return [step.id for step in process.steps]


def _unlinked_people(process):
    return db.session.scalar(
        select(func.count()).select_from(Attendance).join(Event, Event.id == Attendance.event_id)
        .where(Event.step_id.in_(_step_ids(process)), Attendance.user_id.is_(None))
    )


def event_figures(process, kind, events_by_step=None):
    """Return {sessions, participants} of the process's step of this kind (zeros without one)."""
    step = step_of(process, kind)
    if step is None:
        events = []
    elif events_by_step is not None:
        events = events_by_step.get(step.id, [])
    else:
        events = events_of_step(step.id)
    ids = [event.id for event in events]
    return {"sessions": len(ids), "participants": attendee_count(ids) if ids else 0}


def distinct_people(process, consultation=None, survey=_UNSET):
    """Return the number of people across every step (the module docstring defines it)."""
    selects = _account_ids(process, consultation, process_survey(process) if survey is _UNSET else survey)
    linked = 0
    if selects:
        accounts = union(*selects).subquery("accounts") if len(selects) > 1 else selects[0].subquery("accounts")
        linked = db.session.scalar(select(func.count()).select_from(accounts))
    return int(linked) + _unlinked_people(process)


def compute_process_tally(process, survey=_UNSET, events_by_step=None):
    """Return the contract's process tally dict (see the module docstring for each figure).

    `survey` and `events_by_step` ({step id: events}), when the caller has them already,
    save their queries.
    """
    consultation, tally = _consultation_figures(process)
    survey = process_survey(process) if survey is _UNSET else survey
    selected = tally["selected"] if tally else {"total": 0, **_empty_scopes()}
    return {
        "process": process.slug,
        "survey": {"respondents": respondent_count(survey.id) if survey is not None else 0},
        "workshops": event_figures(process, StepKind.WORKSHOPS, events_by_step),
        "experts": event_figures(process, StepKind.EXPERT_SESSIONS, events_by_step),
        "call": _call_figures(process, tally),
        "consultation": {"slug": consultation.slug if consultation else None,
                         "participants": tally["participants"] if tally else 0,
                         "comments": tally["comments"]["received"] if tally else 0},
        "selected": selected,
        "plan": plan_tally(process.id),
        "distinct_people": distinct_people(process, consultation, survey),
    }


def overview(process):
    """Everything the process page shows, each record read once: {tally, sheet, survey, events}."""
    survey = process_survey(process)
    events = {step.id: listed for step, listed in process_events(process)}
    tally = compute_process_tally(process, survey=survey, events_by_step=events)
    return {"tally": tally, "sheet": results_sheet(process, tally), "survey": survey, "events": events}


#: The results sheet's rows: (step kind, metric, path into the tally dict), in step order.
SHEET_ROWS = (
    (StepKind.THEMATIC_SURVEY, "respondents", ("survey", "respondents")),
    (StepKind.WORKSHOPS, "sessions", ("workshops", "sessions")),
    (StepKind.WORKSHOPS, "participants", ("workshops", "participants")),
    (StepKind.EXPERT_SESSIONS, "sessions", ("experts", "sessions")),
    (StepKind.EXPERT_SESSIONS, "participants", ("experts", "participants")),
    (StepKind.CALL_FOR_PROPOSALS, "national", ("call", "national")),
    (StepKind.CALL_FOR_PROPOSALS, "subnational", ("call", "subnational")),
    (StepKind.CONSULTATION, "participants", ("consultation", "participants")),
    (StepKind.CONSULTATION, "comments", ("consultation", "comments")),
    (StepKind.SELECTION, "total", ("selected", "total")),
    (StepKind.SELECTION, "national", ("selected", "national")),
    (StepKind.SELECTION, "subnational", ("selected", "subnational")),
)


def results_sheet(process, tally=None):
    """Return [(step kind, metric, value)] for the steps the process has, in step order."""
    tally = tally or compute_process_tally(process)
    kinds = [step.kind for step in process.steps]
    rows = [(kind, metric, tally[group][key]) for kind, metric, (group, key) in SHEET_ROWS if kind in kinds]
    return sorted(rows, key=lambda row: kinds.index(row[0])) + [("all", "distinct_people", tally["distinct_people"])]


def format_table(tally):
    """Return the process tally as plain text for the command line."""
    lines = [f"Process            {tally['process']}"]
    for group in ("survey", "workshops", "experts", "call", "consultation", "selected"):
        values = ", ".join(f"{key} {value}" for key, value in tally[group].items())
        lines.append(f"{group:<18} {values}")
    plan = tally["plan"]
    lines.append(f"{'plan':<18} commitments {plan['commitments']}, national {plan['national']}, "
                 f"subnational {plan['subnational']}, "
                 + ", ".join(f"{level} {n}" for level, n in plan["completion"].items()))
    lines.append(f"{'distinct_people':<18} {tally['distinct_people']}")
    return "\n".join(lines)


def process_events(process):
    """Return [(step, events)] of the process's workshop and expert-session steps."""
    return [(step, events_of_step(step.id)) for step in process.steps
            if step.kind in (StepKind.WORKSHOPS, StepKind.EXPERT_SESSIONS)]


def event_rows(process):
    """Return the public events CSV rows: one per event, attendees counted, no personal data."""
    rows = []
    for step, events in process_events(process):
        counts = attendance_by_event([event.id for event in events])
        rows += [(event.id, step.kind, event.kind, event.theme, isoformat_utc(event.starts_at),
                  event.place or event.link, int(counts.get(event.id, 0)), event.notes_published_at is not None)
                 for event in events]
    return rows


def _has_records(step):
    """True when a survey, an event or a call submission points at the step (it cannot be removed)."""
    return any(db.session.scalar(select(model.id).where(model.step_id == step.id).limit(1)) is not None
               for model in (Survey, Event, Submission))


def update_process(actor, process, *, title, description, steps, now=None):
    """Change a process's texts and steps; return whether anything changed (audited).

    `steps` is the whole new timeline, in order (as for create_process): a step of a kind
    the process has keeps its id (and its survey, events or submissions) with new dates; a
    new kind is added; a kind left out is removed, unless records point at it.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: as create_process, or removing a step that has records.
    """
    ensure_admin(actor)
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX))
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    validated = [_validated_step(spec) for spec in steps]
    kinds = [step["kind"] for step in validated]
    if len(set(kinds)) != len(kinds):
        raise ValidationFailed(_l("Cada tipo de etapa aparece una sola vez en un proceso."))
    if not validated:
        raise ValidationFailed(_l("Un proceso necesita al menos una etapa."))
    existing = {step.kind: step for step in process.steps}
    removed = [step for kind, step in existing.items() if kind not in kinds]
    if any(_has_records(step) for step in removed):
        raise ValidationFailed(_l("No se puede quitar una etapa que ya tiene encuesta, eventos o propuestas."))
    before = _timeline(process)
    before_texts = {"title": process.title, "description": process.description}
    for step in removed:
        process.steps.remove(step)
    # Positions are unique: park the kept steps out of the way before numbering them again.
    for n, step in enumerate(process.steps, start=1):
        step.position = 1000 + n
    db.session.flush()
    for position, fields in enumerate(validated, start=1):
        step = existing.get(fields["kind"])
        if step is None:
            step = Step(kind=fields["kind"])
            process.steps.append(step)
        step.position = position
        for name in ("opens_at", "closes_at", "consultation_id", "description"):
            setattr(step, name, fields[name])
    process.title, process.description = title, description
    db.session.flush()
    after = _timeline(process)
    after_texts = {"title": title, "description": description}
    if before == after and before_texts == after_texts:
        db.session.rollback()
        return False
    changed = [key for key in before_texts if before_texts[key] != after_texts[key]]
    record(actor, "process.update", "process", process.id, target_label=process.slug,
           before={"steps": before, **{key: before_texts[key] for key in changed}},
           after={"steps": after, **{key: after_texts[key] for key in changed}}, now=now)
    db.session.commit()
    return True


def _timeline(process):
    steps = sorted(process.steps, key=lambda step: step.position)
    return "; ".join(f"{step.position}. {step.kind} {isoformat_utc(step.opens_at)}–{isoformat_utc(step.closes_at)}"
                     f"{' ' + str(step.consultation_id) if step.consultation_id else ''}"
                     f"{' [' + str(len(step.description)) + ']' if step.description else ''}" for step in steps)
