"""The call for proposals: institutions submit on the OGP commitment template; moderators decide.

An institution account submits only in its own institution's name (403 otherwise) and only
while the call's step is open (409 otherwise); it may correct a submission that moderators
returned. Moderators return a submission for changes, accept it into the process's
consultation as a received proposal (through `proposals.services.create_proposal`, the one
validated create; its proposer is the institution), or reject it with a public reason.
Every decision is audited in the same transaction.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.calls.models import Milestone, OgpValue, Submission, SubmissionStatus
from aga_consulta.errors import DomainError, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.proposals.services import create_proposal
from aga_consulta.text import REASON_MAX, clean_text, one_line
from aga_consulta.timeutil import parse_day, utcnow

TITLE_MAX = 250
TEXT_MAX = 5000
DELIVERABLE_MAX = 500
MUNICIPALITY_MAX = 120
MILESTONES_MAX = 10
SUMMARY_MAX = 2000
#: The template's required texts, and its optional ones.
REQUIRED_TEXTS = ("problem", "commitment", "expected_results", "contribution")
OPTIONAL_TEXTS = ("other_actors", "baseline", "budget", "plan_links")


class CallClosed(DomainError):
    """The call does not take submissions now."""

    message = _l("La convocatoria no está abierta: no se reciben ni se corrigen propuestas en este momento.")


class NotAnInstitution(NotAllowed):
    """Only institution accounts submit to a call, each in its own institution's name."""

    message = _l("Solo una cuenta institucional puede postular propuestas, y solo a nombre de su institución.")


class AlreadyDecided(DomainError):
    """The submission was accepted or rejected already, or is not waiting for this action."""

    message = _l("Esta propuesta ya no admite esa acción.")


def _text(values, name, required):
    text = clean_text(values.get(name) or "")
    if required and len(text) < 3:
        raise ValidationFailed(_l("Completa todos los campos obligatorios de la plantilla."), name)
    if len(text) > TEXT_MAX:
        raise ValidationFailed(_l("Cada texto admite hasta %(max)d caracteres.", max=TEXT_MAX), name)
    return text


def milestone_field(row, name):
    """The form field of milestone row `row` (from 1): "milestone_2_ends_on" (errors name it)."""
    return f"milestone_{row}_{name}"


def _milestones(specs):
    milestones = []
    for row, spec in enumerate(specs, start=1):
        deliverable = one_line(spec.get("deliverable") or "")
        if not deliverable and not spec.get("starts_on") and not spec.get("ends_on"):
            continue  # an empty row of the form
        if not 3 <= len(deliverable) <= DELIVERABLE_MAX:
            raise ValidationFailed(_l("Cada hito necesita un entregable verificable de 3 a %(max)d caracteres.",
                                      max=DELIVERABLE_MAX), milestone_field(row, "deliverable"))
        starts_on = parse_day(spec.get("starts_on"), _l("inicio del hito"), field=milestone_field(row, "starts_on"))
        ends_on = parse_day(spec.get("ends_on"), _l("fin del hito"), field=milestone_field(row, "ends_on"))
        if ends_on < starts_on:
            raise ValidationFailed(_l("Un hito no puede terminar antes de empezar."), milestone_field(row, "ends_on"))
        milestones.append({"deliverable": deliverable, "starts_on": starts_on, "ends_on": ends_on, "row": row})
    if not milestones:
        raise ValidationFailed(_l("Indica al menos un hito con su entregable y sus fechas."),
                               milestone_field(1, "deliverable"))
    if len(milestones) > MILESTONES_MAX:
        raise ValidationFailed(_l("Como máximo %(max)d hitos.", max=MILESTONES_MAX))
    return milestones


def validated(values, milestones):
    """Return the template's cleaned fields and milestones.

    :raises ValidationFailed: a missing or overlong field, a bad date, value or milestone; its
        `field` names the form field ("title", "milestone_2_ends_on") the message belongs beside.
    """
    title = one_line(values.get("title") or "")
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX), "title")
    fields = {"title": title}
    for name in REQUIRED_TEXTS:
        fields[name] = _text(values, name, True)
    for name in OPTIONAL_TEXTS:
        fields[name] = _text(values, name, False)
    fields["starts_on"] = parse_day(values.get("starts_on"), _l("inicio"), field="starts_on")
    fields["ends_on"] = parse_day(values.get("ends_on"), _l("fin"), field="ends_on")
    if fields["ends_on"] <= fields["starts_on"]:
        raise ValidationFailed(_l("La fecha de fin debe ser posterior a la de inicio."), "ends_on")
    chosen = [value for value in (values.get("ogp_values") or []) if value]
    if not chosen or any(value not in tuple(OgpValue) for value in chosen):
        raise ValidationFailed(_l("Elige al menos un valor de la AGA de la lista."), "ogp_values")
    fields["ogp_values"] = ",".join(value for value in OgpValue if value in chosen)
    cleaned = _milestones(milestones)
    for m in cleaned:
        row = m.pop("row")
        if m["starts_on"] < fields["starts_on"]:
            raise ValidationFailed(_l("Los hitos deben caer entre el inicio y el fin del compromiso."),
                                   milestone_field(row, "starts_on"))
        if m["ends_on"] > fields["ends_on"]:
            raise ValidationFailed(_l("Los hitos deben caer entre el inicio y el fin del compromiso."),
                                   milestone_field(row, "ends_on"))
    return fields, cleaned


def _territory(institution):
    """Scope, department and municipality of the institution account: a government with a department is subnational."""
    if institution.institution_department_code:
        return {"scope": "subnational", "department_code": institution.institution_department_code,
                "municipality": institution.institution_municipality}
    return {"scope": "national", "department_code": None, "municipality": None}


def ensure_institution(actor, institution_name=None):
    """Check that `actor` is an active institution account speaking in its own name.

    :raises NotAnInstitution: otherwise.
    """
    if actor is None or not getattr(actor, "active", False) or not actor.is_institution or not actor.institution:
        raise NotAnInstitution()
    if institution_name is not None and one_line(institution_name) != actor.institution:
        raise NotAnInstitution()


def submit(actor, step, values, milestones, *, institution_name=None, submission=None, now=None):
    """Submit a proposal to the call (or correct a returned one) and return the Submission.

    `institution_name`, when the form sends one, must be the account's own institution.

    :raises NotAnInstitution: not an institution account, another institution's name, or
        another institution's submission (403).
    :raises CallClosed: outside the call's window (409).
    :raises AlreadyDecided: correcting a submission that was not returned.
    :raises ValidationFailed: a field of the template breaks a rule (nothing is stored).
    """
    now = now or utcnow()
    ensure_institution(actor, institution_name)
    if submission is not None and (submission.institution_id != actor.id or submission.step_id != step.id):
        raise NotAnInstitution()
    if step.kind != "call_for_proposals" or not step.is_open(now):
        raise CallClosed()
    if submission is not None and submission.status != SubmissionStatus.RETURNED:
        raise AlreadyDecided()
    fields, cleaned = validated(values, milestones)
    if submission is None:
        submission = Submission(step_id=step.id, institution_id=actor.id, institution=actor.institution,
                                created_at=now, **_territory(actor))
        db.session.add(submission)
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.status, submission.updated_at = SubmissionStatus.SUBMITTED, now
    if submission.milestones:
        # The old rows go first: the new ones take the same positions.
        submission.milestones.clear()
        db.session.flush()
    submission.milestones = [Milestone(position=n, **m) for n, m in enumerate(cleaned, start=1)]
    db.session.commit()
    return submission


def _decision_reason(reason, required):
    reason = clean_text(reason or "")
    if required and len(reason) < 3:
        raise ValidationFailed(_l("Indica el motivo."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_l("El motivo es demasiado largo (máximo %(max)d caracteres).", max=REASON_MAX))
    return reason or None


def _waiting(submission):
    if submission.status != SubmissionStatus.SUBMITTED:
        raise AlreadyDecided()


def return_for_changes(actor, submission, reason, now=None):
    """Send a submission back to its institution for changes, with what to change (audited).

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises AlreadyDecided: the submission is not waiting for a decision.
    :raises ValidationFailed: no reason, or an overlong one.
    """
    ensure_moderator(actor)
    _waiting(submission)
    reason = _decision_reason(reason, True)
    submission.status, submission.reason, submission.updated_at = SubmissionStatus.RETURNED, reason, now or utcnow()
    record(actor, "call.return", "call_submission", submission.id, target_label=submission.title,
           before={"status": "submitted"}, after={"status": "returned"}, reason=reason, now=now)
    db.session.commit()


def reject(actor, submission, reason, now=None):
    """Reject a submission with a public reason (audited).

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises AlreadyDecided: the submission is not waiting for a decision.
    :raises ValidationFailed: no reason, or an overlong one.
    """
    ensure_moderator(actor)
    _waiting(submission)
    reason = _decision_reason(reason, True)
    now = now or utcnow()
    submission.status, submission.reason = SubmissionStatus.REJECTED, reason
    submission.updated_at = submission.decided_at = now
    record(actor, "call.reject", "call_submission", submission.id, target_label=submission.title,
           before={"status": "submitted"}, after={"status": "rejected"}, reason=reason, now=now)
    db.session.commit()


def proposal_body(submission):
    """The proposal's body: the template's texts and milestones, as the institution wrote them."""
    parts = [
        (_l("Institución responsable"), submission.institution),
        (_l("Otros actores"), submission.other_actors),
        (_l("Vigencia"), f"{submission.starts_on.isoformat()} – {submission.ends_on.isoformat()}"),
        (_l("Problema público"), submission.problem),
        (_l("Línea base"), submission.baseline),
        (_l("El compromiso"), submission.commitment),
        (_l("Resultados esperados"), submission.expected_results),
        (_l("Cómo contribuye a resolver el problema"), submission.contribution),
        (_l("Presupuesto"), submission.budget),
        (_l("Vínculos con planes de desarrollo u ODS"), submission.plan_links),
    ]
    text = "\n\n".join(f"{label}: {value}" for label, value in parts if value)
    milestones = "\n".join(f"{m.position}. {m.deliverable} ({m.starts_on.isoformat()} – {m.ends_on.isoformat()})"
                           for m in submission.milestones)
    return f"{text}\n\n{_l('Hitos')}:\n{milestones}"


def accept(actor, submission, consultation, now=None):
    """Accept a submission into the consultation as a received proposal; return the proposal (audited).

    The proposal is created by `proposals.services.create_proposal` (the one validated
    create); its proposer is the institution, its code C-<submission id>.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises AlreadyDecided: the submission is not waiting for a decision.
    :raises ValidationFailed: the process has no consultation, or the proposal breaks a rule.
    """
    ensure_moderator(actor)
    _waiting(submission)
    if consultation is None:
        raise ValidationFailed(_l("El proceso no tiene una consulta a la que llevar la propuesta."))
    now = now or utcnow()
    values = {"code": f"C-{submission.id}", "title": submission.title, "scope": submission.scope,
              "department_code": submission.department_code or "", "municipality": submission.municipality or "",
              "theme": "", "proposer": submission.institution,
              "summary": submission.commitment[:SUMMARY_MAX], "body": proposal_body(submission)}
    proposal = create_proposal(consultation, values, actor=actor, now=now, commit=False)
    submission.status, submission.proposal_id = SubmissionStatus.ACCEPTED, proposal.id
    submission.updated_at = submission.decided_at = now
    record(actor, "call.accept", "call_submission", submission.id, target_label=submission.title,
           before={"status": "submitted"}, after={"status": "accepted", "proposal": proposal.code}, now=now)
    db.session.commit()
    return proposal


def get_submission(submission_id):
    """Return the submission with its milestones, or None."""
    return db.session.scalar(select(Submission).options(selectinload(Submission.milestones))
                             .where(Submission.id == submission_id))


def submissions_of_step(step_id, institution_id=None):
    """Return a call's submissions (one institution's when given), newest first."""
    query = select(Submission).options(selectinload(Submission.milestones)).where(Submission.step_id == step_id)
    if institution_id is not None:
        query = query.where(Submission.institution_id == institution_id)
    return list(db.session.scalars(query.order_by(Submission.created_at.desc(), Submission.id.desc())))


def submission_for_proposal(proposal_id):
    """Return the submission a proposal came from through a call, or None."""
    return db.session.scalar(select(Submission).where(Submission.proposal_id == proposal_id))
