"""A process's published plan and its commitments, and the optimistic lock every plan edit shares.

When a process's plan is published, its commitments are the consultation's selected
proposals (with the template fields of the call submission they came from, when there is
one) plus those a moderator adds directly. Every change is audited in the same transaction.
"""
from contextlib import contextmanager
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.calls.models import Submission
from aga_consulta.calls.services import validated as validated_template
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.plan.models import Commitment, Plan, PlanMilestone
from aga_consulta.proposals.models import SCOPES, Proposal, ProposalStatus, Scope
from aga_consulta.text import one_line
from aga_consulta.timeutil import parse_day, utcnow

TITLE_MAX = 200
INSTITUTION_MAX = 200
#: Largest id an INTEGER column holds: a larger one finds nothing (never a database error).
MAX_ID = 2**31 - 1


class PlanExists(DomainError):
    """The process already has a published plan."""

    message = _l("Este proceso ya tiene un plan publicado.")


class StaleEdit(DomainError):
    """Someone changed the record after this page was loaded."""

    message = _l("Otra persona cambió este registro mientras lo editabas. Recarga la página y revisa los cambios.")


# Validation helpers ---------------------------------------------------------------------------

def _institution(name):
    name = one_line(name or "")
    if not 3 <= len(name) <= INSTITUTION_MAX:
        raise ValidationFailed(_l("Indica la institución líder (de 3 a %(max)d caracteres).", max=INSTITUTION_MAX),
                               "lead_institution")
    return name


def expected_version(commitment_or_report, version):
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Falta la versión del registro: recarga la página.")) from None
    if version != commitment_or_report.version:
        raise StaleEdit()


@contextmanager
def versioned():
    """Flush and commit what the block changes, turning a lost optimistic-lock race into StaleEdit (409)."""
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit() from None


# The plan and its commitments ---------------------------------------------------------------

def plan_of(process_id):
    """Return the process's published plan, or None."""
    return db.session.scalar(select(Plan).where(Plan.process_id == process_id))


def get_commitment(commitment_id):
    """Return the commitment with its plan and milestones, or None."""
    if not 0 < commitment_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Commitment).options(selectinload(Commitment.milestones), selectinload(Commitment.plan))
        .where(Commitment.id == commitment_id)
    )


def _submission_of(proposal):
    return db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))


def _fields_from_proposal(proposal, plan):
    submission = _submission_of(proposal)
    fields = {"title": proposal.title[:250], "scope": proposal.scope, "department_code": proposal.department_code,
              "municipality": proposal.municipality, "proposal_id": proposal.id,
              "lead_institution": (submission.institution if submission else proposal.proposer) or proposal.code}
    if submission is not None:
        for name in ("other_actors", "problem", "baseline", "commitment", "expected_results", "contribution",
                     "ogp_values", "budget", "plan_links", "starts_on", "ends_on"):
            fields[name] = getattr(submission, name)
        milestones = [{"deliverable": m.deliverable, "starts_on": m.starts_on, "ends_on": m.ends_on}
                      for m in submission.milestones]
    else:
        fields.update(problem=proposal.summary, commitment=proposal.body or proposal.summary, expected_results="",
                      contribution="", ogp_values="", starts_on=plan.starts_on, ends_on=plan.ends_on)
        milestones = []
    return fields, milestones


def publish_plan(actor, process_id, *, title, starts_on, ends_on, consultation=None, is_reconstruction=False,
                 now=None):
    """Publish the process's plan: the consultation's selected proposals become its first commitments.

    `actor` is a moderator (None for the reference seed).

    :raises NotAllowed: the actor is not a moderator.
    :raises ValidationFailed: a bad title or period.
    :raises PlanExists: the process has a plan already.
    """
    if actor is not None:
        ensure_moderator(actor)
    now = now or utcnow()
    title = one_line(title or "")
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX), "title")
    starts_on = parse_day(starts_on, _l("inicio"), field="starts_on")
    ends_on = parse_day(ends_on, _l("fin"), field="ends_on")
    if ends_on <= starts_on:
        raise ValidationFailed(_l("La fecha de fin debe ser posterior a la de inicio."), "ends_on")
    if plan_of(process_id) is not None:
        raise PlanExists()
    plan = Plan(process_id=process_id, title=title, starts_on=starts_on, ends_on=ends_on,
                is_reconstruction=is_reconstruction, published_at=now)
    db.session.add(plan)
    selected = []
    if consultation is not None:
        selected = list(db.session.scalars(
            select(Proposal).where(Proposal.consultation_id == consultation.id,
                                   Proposal.status == ProposalStatus.SELECTED).order_by(Proposal.code)
        ))
    for position, proposal in enumerate(selected, start=1):
        fields, milestones = _fields_from_proposal(proposal, plan)
        commitment = Commitment(plan=plan, position=position, code=_code(position), created_at=now, updated_at=now,
                                **fields)
        commitment.milestones = [PlanMilestone(position=n, **spec) for n, spec in enumerate(milestones, start=1)]
        db.session.add(commitment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PlanExists() from None
    if actor is not None:
        record(actor, "plan.publish", "plan", plan.id, target_label=title,
               after={"starts_on": starts_on, "ends_on": ends_on, "commitments": len(selected)}, now=now)
    db.session.commit()
    return plan


def _code(position):
    return f"C{position:02d}"


def _territory(scope, department_code, municipality):
    if scope not in SCOPES:
        raise ValidationFailed(_l("Elige el alcance: nacional o subnacional."), "scope")
    if scope == Scope.NATIONAL:
        return {"scope": scope, "department_code": None, "municipality": None}
    code = one_line(department_code or "")
    if not code or len(code) != 2 or not code.isdigit():
        raise ValidationFailed(_l("Un compromiso subnacional indica su departamento."), "department_code")
    municipality = one_line(municipality or "") or None
    return {"scope": scope, "department_code": code, "municipality": municipality[:120] if municipality else None}


def add_commitment(actor, plan, values, milestones, now=None):
    """Add a commitment to the plan directly (not from the consultation) and return it.

    `values` holds the template's fields (see calls.services.validated) plus
    `lead_institution`, `scope`, `department_code` and `municipality`; `milestones` a list of
    {deliverable, starts_on, ends_on}.

    :raises NotAllowed: the actor is not a moderator.
    :raises ValidationFailed: a field, date, territory or milestone is wrong (nothing stored).
    """
    if actor is not None:
        ensure_moderator(actor)
    now = now or utcnow()
    fields, cleaned = validated_template(values, milestones)
    _within_plan(plan, fields["starts_on"], fields["ends_on"])
    fields.update(_territory(values.get("scope"), values.get("department_code"), values.get("municipality")))
    fields["lead_institution"] = _institution(values.get("lead_institution"))
    position = (db.session.scalar(select(func.max(Commitment.position)).where(Commitment.plan_id == plan.id)) or 0) + 1
    commitment = Commitment(plan_id=plan.id, position=position, code=_code(position), created_at=now,
                            updated_at=now, **fields)
    commitment.milestones = [PlanMilestone(position=n, **spec) for n, spec in enumerate(cleaned, start=1)]
    db.session.add(commitment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(_l("No se pudo guardar el compromiso: revisa el departamento.")) from None
    if actor is not None:
        record(actor, "commitment.create", "commitment", commitment.id, target_label=f"{commitment.code} · {fields['title']}",
               after=_commitment_state(commitment), now=now)
    db.session.commit()
    return commitment


def _within_plan(plan, starts_on, ends_on):
    if starts_on < plan.starts_on or ends_on > plan.ends_on:
        raise ValidationFailed(_l("Las fechas deben caer dentro del periodo del plan (%(start)s a %(end)s).",
                                  start=plan.starts_on.isoformat(), end=plan.ends_on.isoformat()),
                               "starts_on" if starts_on < plan.starts_on else "ends_on")


EDITABLE_FIELDS = ("title", "lead_institution", "other_actors", "problem", "baseline", "commitment",
                   "expected_results", "contribution", "budget", "plan_links")


def _commitment_state(commitment):
    return {name: getattr(commitment, name) for name in EDITABLE_FIELDS + ("ogp_values", "starts_on", "ends_on")}


def update_commitment(actor, commitment, values, version, now=None):
    """Change a commitment's template fields, refusing an edit made from a stale page.

    :raises NotAllowed: the actor is not a moderator.
    :raises ValidationFailed: a field or date is wrong.
    :raises StaleEdit: `version` is not the commitment's current one (409).
    """
    ensure_moderator(actor)
    now = now or utcnow()
    expected_version(commitment, version)
    # The template's check also wants the milestones inside the new dates; a commitment
    # without any yet is checked with one spanning its first day, which always fits.
    milestones = [{"deliverable": m.deliverable, "starts_on": m.starts_on, "ends_on": m.ends_on}
                  for m in commitment.milestones]
    fields, _milestones = validated_template(values, milestones or [
        {"deliverable": "---", "starts_on": values.get("starts_on"), "ends_on": values.get("starts_on")}])
    _within_plan(commitment.plan, fields["starts_on"], fields["ends_on"])
    fields["lead_institution"] = _institution(values.get("lead_institution"))
    before = _commitment_state(commitment)
    with versioned():
        for name, value in fields.items():
            setattr(commitment, name, value)
        commitment.updated_at = now
        record(actor, "commitment.update", "commitment", commitment.id,
               target_label=f"{commitment.code} · {commitment.title}", before=before,
               after=_commitment_state(commitment), now=now)
    return commitment
