"""A commitment's milestones: verifiable deliverables with their dates, edited under the commitment's lock."""
from flask_babel import lazy_gettext as _l

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.plan.commitments import expected_version, versioned
from aga_consulta.plan.models import PlanMilestone
from aga_consulta.text import one_line
from aga_consulta.timeutil import parse_day, utcnow

MILESTONES_MAX = 20


def add_milestone(actor, commitment, spec, version, now=None):
    """Add a milestone to a commitment (bumping its version) and return it.

    :raises NotAllowed: the actor is not a moderator.
    :raises ValidationFailed: a bad deliverable or date, or dates outside the commitment's.
    :raises StaleEdit: `version` is not the commitment's current one.
    """
    ensure_moderator(actor)
    now = now or utcnow()
    expected_version(commitment, version)
    cleaned = _milestone_fields(commitment, spec)
    if len(commitment.milestones) >= MILESTONES_MAX:
        raise ValidationFailed(_l("Como máximo %(max)d hitos.", max=MILESTONES_MAX))
    position = max((m.position for m in commitment.milestones), default=0) + 1
    milestone = PlanMilestone(position=position, **cleaned)
    with versioned():
        commitment.milestones.append(milestone)
        commitment.updated_at = now
        db.session.flush()
        record(actor, "milestone.create", "milestone", milestone.id,
               target_label=f"{commitment.code} · {cleaned['deliverable']}", after=cleaned, now=now)
    return milestone


def update_milestone(actor, milestone, spec, version, now=None):
    """Change a milestone's deliverable and dates (its commitment's version guards the edit).

    :raises StaleEdit: `version` is not the commitment's current one.
    """
    ensure_moderator(actor)
    now = now or utcnow()
    commitment = milestone.commitment
    expected_version(commitment, version)
    cleaned = _milestone_fields(commitment, spec)
    before = {name: getattr(milestone, name) for name in cleaned}
    with versioned():
        for name, value in cleaned.items():
            setattr(milestone, name, value)
        commitment.updated_at = now
        record(actor, "milestone.update", "milestone", milestone.id,
               target_label=f"{commitment.code} · {milestone.deliverable}", before=before, after=cleaned, now=now)
    return milestone


def _milestone_fields(commitment, spec):
    deliverable = one_line(spec.get("deliverable") or "")
    if not 3 <= len(deliverable) <= 500:
        raise ValidationFailed(_l("Cada hito necesita un entregable verificable de 3 a %(max)d caracteres.", max=500),
                               "deliverable")
    starts_on = parse_day(spec.get("starts_on"), _l("inicio del hito"), field="starts_on")
    ends_on = parse_day(spec.get("ends_on"), _l("fin del hito"), field="ends_on")
    if ends_on < starts_on:
        raise ValidationFailed(_l("Un hito no puede terminar antes de empezar."), "ends_on")
    if starts_on < commitment.starts_on or ends_on > commitment.ends_on:
        raise ValidationFailed(_l("Los hitos deben caer entre el inicio y el fin del compromiso."),
                               "starts_on" if starts_on < commitment.starts_on else "ends_on")
    return {"deliverable": deliverable, "starts_on": starts_on, "ends_on": ends_on}
