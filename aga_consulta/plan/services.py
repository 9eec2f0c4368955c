"""The published plan and its follow-up: commitments, milestones and progress reports.

When a process's plan is published, its commitments are the consultation's selected
proposals (with the template fields of the call submission they came from, when there is
one) plus those a moderator adds directly. Progress is reported by institution accounts
of a commitment's lead institution, and by moderators; a moderator publishes a report or
sends it back. A commitment's completion level and its milestones' states are those of its
latest published report (by report date); every published report stays in its public
history. Every change is audited in the same transaction.

A report is validated whole before anything is stored: its PDFs are then streamed to disk
(aga_consulta/uploads.py) and the rows committed, and if the rows fail the files go too.
"""
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from aga_consulta import uploads
from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.calls.models import Submission
from aga_consulta.calls.services import parse_day, validated as validated_template
from aga_consulta.errors import DomainError, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.plan.models import (
    COMPLETION_LEVELS, MILESTONE_STATES, Commitment, CompletionLevel, Evidence, EvidenceKind, MilestoneState, Plan,
    PlanMilestone, ProgressReport, ReportMilestoneState, ReportStatus,
)
from aga_consulta.proposals.models import SCOPES, Proposal, ProposalStatus, Scope
from aga_consulta.text import REASON_MAX, clean_text, one_line
from aga_consulta.timeutil import utcnow

TITLE_MAX = 200
INSTITUTION_MAX = 200
NARRATIVE_MIN = 10
NARRATIVE_MAX = 5000
LINKS_MAX = 10
FILES_MAX = 5
URL_MAX = 500
MILESTONES_MAX = 20
#: Largest id an INTEGER column holds: a larger one finds nothing (never a database error).
MAX_ID = 2**31 - 1


class PlanExists(DomainError):
    """The process already has a published plan."""

    message = _l("Este proceso ya tiene un plan publicado.")


class StaleEdit(DomainError):
    """Someone changed the record after this page was loaded."""

    message = _l("Otra persona cambió este registro mientras lo editabas. Recarga la página y revisa los cambios.")


class ReportDecided(DomainError):
    """The report was already published or sent back."""

    message = _l("Este reporte ya fue publicado o devuelto.")


class UploadTooLarge(DomainError):
    """An uploaded document is over the size cap."""

    status = 413
    message = _l("El documento es demasiado grande.")


class NotYourCommitment(NotAllowed):
    """Only the lead institution's accounts (and moderators) report on a commitment."""

    message = _l("Solo las cuentas de la institución líder del compromiso y el equipo moderador reportan avances.")


# Validation helpers ---------------------------------------------------------------------------

def _institution(name):
    name = one_line(name or "")
    if not 3 <= len(name) <= INSTITUTION_MAX:
        raise ValidationFailed(_l("Indica la institución líder (de 3 a %(max)d caracteres).", max=INSTITUTION_MAX),
                               "lead_institution")
    return name


def _expected_version(commitment_or_report, version):
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Falta la versión del registro: recarga la página.")) from None
    if version != commitment_or_report.version:
        raise StaleEdit()


@contextmanager
def _versioned():
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
    starts_on = parse_day(starts_on, _l("inicio"), "starts_on")
    ends_on = parse_day(ends_on, _l("fin"), "ends_on")
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
    _expected_version(commitment, version)
    # The template's check also wants the milestones inside the new dates; a commitment
    # without any yet is checked with one spanning its first day, which always fits.
    milestones = [{"deliverable": m.deliverable, "starts_on": m.starts_on, "ends_on": m.ends_on}
                  for m in commitment.milestones]
    fields, _milestones = validated_template(values, milestones or [
        {"deliverable": "---", "starts_on": values.get("starts_on"), "ends_on": values.get("starts_on")}])
    _within_plan(commitment.plan, fields["starts_on"], fields["ends_on"])
    fields["lead_institution"] = _institution(values.get("lead_institution"))
    before = _commitment_state(commitment)
    with _versioned():
        for name, value in fields.items():
            setattr(commitment, name, value)
        commitment.updated_at = now
        record(actor, "commitment.update", "commitment", commitment.id,
               target_label=f"{commitment.code} · {commitment.title}", before=before,
               after=_commitment_state(commitment), now=now)
    return commitment


def add_milestone(actor, commitment, spec, version, now=None):
    """Add a milestone to a commitment (bumping its version) and return it.

    :raises NotAllowed: the actor is not a moderator.
    :raises ValidationFailed: a bad deliverable or date, or dates outside the commitment's.
    :raises StaleEdit: `version` is not the commitment's current one.
    """
    ensure_moderator(actor)
    now = now or utcnow()
    _expected_version(commitment, version)
    cleaned = _milestone_fields(commitment, spec)
    if len(commitment.milestones) >= MILESTONES_MAX:
        raise ValidationFailed(_l("Como máximo %(max)d hitos.", max=MILESTONES_MAX))
    position = max((m.position for m in commitment.milestones), default=0) + 1
    milestone = PlanMilestone(position=position, **cleaned)
    with _versioned():
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
    _expected_version(commitment, version)
    cleaned = _milestone_fields(commitment, spec)
    before = {name: getattr(milestone, name) for name in cleaned}
    with _versioned():
        for name, value in cleaned.items():
            setattr(milestone, name, value)
        commitment.updated_at = now
        record(actor, "milestone.update", "milestone", milestone.id,
               target_label=f"{commitment.code} · {milestone.deliverable}", before=before, after=cleaned, now=now)
    return milestone


def _milestone_fields(commitment, spec):
    deliverable = one_line(spec.get("deliverable") or "")
    if not 3 <= len(deliverable) <= 500:
        raise ValidationFailed(_l("Cada hito necesita un entregable verificable de 3 a %(max)d caracteres.", max=500))
    starts_on = parse_day(spec.get("starts_on"), _l("inicio del hito"))
    ends_on = parse_day(spec.get("ends_on"), _l("fin del hito"))
    if ends_on < starts_on:
        raise ValidationFailed(_l("Un hito no puede terminar antes de empezar."))
    if starts_on < commitment.starts_on or ends_on > commitment.ends_on:
        raise ValidationFailed(_l("Los hitos deben caer entre el inicio y el fin del compromiso."))
    return {"deliverable": deliverable, "starts_on": starts_on, "ends_on": ends_on}


# Progress reports ---------------------------------------------------------------------------

def may_report(user, commitment):
    """True for a moderator, or an active account of the commitment's lead institution."""
    if user is None or not getattr(user, "is_authenticated", True) or not getattr(user, "active", False):
        return False
    if user.is_moderator:
        return True
    return bool(user.is_institution and user.institution and user.institution == commitment.lead_institution)


def _links(links):
    cleaned = []
    for row, raw in enumerate(links or (), start=1):
        url = one_line(raw or "")
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
            raise ValidationFailed(_l("Cada enlace de evidencia debe ser una dirección http o https completa "
                                      "(hasta %(max)d caracteres).", max=URL_MAX), f"link-{row}")
        cleaned.append(url)
    if len(cleaned) > LINKS_MAX:
        raise ValidationFailed(_l("Como máximo %(max)d enlaces de evidencia.", max=LINKS_MAX))
    return cleaned


def _milestone_states(commitment, states):
    own = {m.id for m in commitment.milestones}
    cleaned = {}
    for milestone_id, state in (states or {}).items():
        try:
            milestone_id = int(milestone_id)
        except (TypeError, ValueError):
            milestone_id = None
        if milestone_id not in own:
            raise ValidationFailed(_l("Ese hito no pertenece a este compromiso."))
        if state not in MILESTONE_STATES:
            raise ValidationFailed(_l("Estado de hito desconocido."), f"milestone_{milestone_id}")
        cleaned[milestone_id] = MilestoneState(state)
    if set(cleaned) != own:
        raise ValidationFailed(_l("Indica el estado de cada hito del compromiso."))
    return cleaned


def validated_report(commitment, *, reported_on, completion, milestone_states, narrative, links, today):
    """Return the report's cleaned fields.

    :raises ValidationFailed: a date outside the plan's period or in the future, an unknown
        level or state, a milestone of another commitment, a short narrative, a bad link.
    """
    plan = commitment.plan
    reported_on = parse_day(reported_on, _l("fecha del reporte"), "reported_on")
    if not plan.starts_on <= reported_on <= plan.ends_on:
        raise ValidationFailed(_l("La fecha del reporte debe caer dentro del periodo del plan (%(start)s a %(end)s).",
                                  start=plan.starts_on.isoformat(), end=plan.ends_on.isoformat()), "reported_on")
    if reported_on > today:
        raise ValidationFailed(_l("La fecha del reporte no puede ser futura."), "reported_on")
    if completion not in COMPLETION_LEVELS:
        raise ValidationFailed(_l("Elige el nivel de cumplimiento de la lista."), "completion")
    narrative = clean_text(narrative or "")
    if not NARRATIVE_MIN <= len(narrative) <= NARRATIVE_MAX:
        raise ValidationFailed(_l("El relato del avance debe tener entre %(min)d y %(max)d caracteres.",
                                  min=NARRATIVE_MIN, max=NARRATIVE_MAX), "narrative")
    return {"reported_on": reported_on, "completion": CompletionLevel(completion), "narrative": narrative,
            "milestone_states": _milestone_states(commitment, milestone_states), "links": _links(links)}


def submit_report(actor, commitment, *, reported_on, completion, milestone_states, narrative, links=(),
                  files=(), upload_dir=None, max_bytes=None, now=None):
    """Store a progress report (waiting for a moderator) with its evidence, and return it.

    `milestone_states` maps each of the commitment's milestone ids to a MilestoneState;
    `files` is a list of (binary stream, file name) of PDFs. Everything is validated before
    any file is written; a refused upload removes the files already written, and a row that
    fails to commit removes them all.

    :raises NotYourCommitment: neither a moderator nor an account of the lead institution (403).
    :raises ValidationFailed: see `validated_report`; a document that is not a PDF or empty.
    :raises UploadTooLarge: a document over the cap (413).
    """
    now = now or utcnow()
    if not may_report(actor, commitment):
        raise NotYourCommitment()
    fields = validated_report(commitment, reported_on=reported_on, completion=completion,
                              milestone_states=milestone_states, narrative=narrative, links=links, today=now.date())
    files = [(stream, name) for stream, name in files or () if stream is not None]
    if len(files) > FILES_MAX:
        raise ValidationFailed(_l("Como máximo %(max)d documentos.", max=FILES_MAX))
    upload_dir = upload_dir or uploads.upload_dir()
    max_bytes = max_bytes or current_app.config["UPLOAD_MAX_BYTES"]
    stored = []
    try:
        for stream, name in files:
            stored.append(uploads.store_pdf(stream, upload_dir, max_bytes, filename=name))
    except uploads.UploadRefused as refused:
        for item in stored:
            uploads.remove(upload_dir, item.name)
        if refused.reason == "too_large":
            raise UploadTooLarge(_l("Cada documento admite hasta %(mb)d MB.", mb=max_bytes // (1024 * 1024))) from None
        raise ValidationFailed(_l("Solo se admiten documentos PDF: «%(name)s» no lo es.",
                                  name=uploads.safe_download_name(refused_name(files, stored)))) from None
    except BaseException:
        for item in stored:
            uploads.remove(upload_dir, item.name)
        raise
    with uploads.discard_on_failure(upload_dir, *stored):
        report = ProgressReport(commitment_id=commitment.id, author_id=actor.id,
                                institution=actor.institution if actor.is_institution else None,
                                reported_on=fields["reported_on"], completion=fields["completion"],
                                narrative=fields["narrative"], status=ReportStatus.SUBMITTED, created_at=now)
        report.milestone_states = [ReportMilestoneState(milestone_id=mid, commitment_id=commitment.id, state=state)
                                   for mid, state in sorted(fields["milestone_states"].items())]
        report.evidence = ([Evidence(kind=EvidenceKind.LINK, url=url) for url in fields["links"]]
                           + [Evidence(kind=EvidenceKind.FILE, stored_name=item.name, download_name=item.download_name,
                                       size=item.size) for item in stored])
        db.session.add(report)
        try:
            db.session.flush()
            record(actor, "report.submit", "progress_report", report.id, target_label=commitment.code,
                   after={"reported_on": report.reported_on, "completion": report.completion,
                          "evidence": len(report.evidence)}, now=now)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return report


def refused_name(files, stored):
    """The name of the file that was being stored when the upload was refused."""
    index = len(stored)
    return files[index][1] if index < len(files) else ""


def _decidable(actor, report, version):
    ensure_moderator(actor)
    _expected_version(report, version)
    if report.status != ReportStatus.SUBMITTED:
        raise ReportDecided()


def publish_report(actor, report, version, now=None):
    """Publish a submitted report; the commitment then shows its latest published report's levels.

    :raises NotAllowed: the actor is not a moderator.
    :raises StaleEdit: another moderator decided or changed it since `version` (409).
    :raises ReportDecided: it is not waiting for a decision.
    """
    now = now or utcnow()
    _decidable(actor, report, version)
    with _versioned():
        report.status = ReportStatus.PUBLISHED
        report.published_at = report.decided_at = now
        report.reason = None
        db.session.flush()
        _apply_latest(report.commitment, now)
        record(actor, "report.publish", "progress_report", report.id, target_label=report.commitment.code,
               before={"status": ReportStatus.SUBMITTED},
               after={"status": report.status, "completion": report.completion}, now=now)
    return report


def return_report(actor, report, version, reason, now=None):
    """Send a submitted report back to its author with a reason (it never becomes public).

    :raises ValidationFailed: no reason, or an overlong one.
    :raises StaleEdit: another moderator decided or changed it since `version` (409).
    """
    now = now or utcnow()
    _decidable(actor, report, version)
    reason = clean_text(reason or "")
    if not 3 <= len(reason) <= REASON_MAX:
        raise ValidationFailed(_l("Explica el motivo de la devolución (de 3 a %(max)d caracteres).", max=REASON_MAX))
    with _versioned():
        report.status = ReportStatus.RETURNED
        report.reason = reason
        report.decided_at = now
        record(actor, "report.return", "progress_report", report.id, target_label=report.commitment.code,
               before={"status": ReportStatus.SUBMITTED}, after={"status": report.status}, reason=reason, now=now)
    return report


def _apply_latest(commitment, now):
    """Set the commitment's completion and its milestones' states from its published reports."""
    published = list(db.session.scalars(
        select(ProgressReport).options(selectinload(ProgressReport.milestone_states))
        .where(ProgressReport.commitment_id == commitment.id, ProgressReport.status == ReportStatus.PUBLISHED)
        .order_by(ProgressReport.reported_on, ProgressReport.id)
    ))
    if not published:
        return
    latest = published[-1]
    commitment.completion = latest.completion
    completed_on = {}
    for report in published:
        for item in report.milestone_states:
            if item.state == MilestoneState.COMPLETE:
                completed_on.setdefault(item.milestone_id, report.reported_on)
    states = {item.milestone_id: item.state for item in latest.milestone_states}
    for milestone in commitment.milestones:
        milestone.state = states.get(milestone.id, milestone.state)
        milestone.completed_on = completed_on.get(milestone.id) if milestone.state == MilestoneState.COMPLETE else None
    commitment.updated_at = now


def get_report(report_id):
    """Return the report with its commitment, states and evidence, or None."""
    if not 0 < report_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(ProgressReport).options(selectinload(ProgressReport.milestone_states),
                                       selectinload(ProgressReport.evidence))
        .where(ProgressReport.id == report_id)
    )


def get_evidence(evidence_id):
    """Return the evidence row, or None."""
    if not 0 < evidence_id <= MAX_ID:
        return None
    return db.session.get(Evidence, evidence_id)


def may_see_report(user, report):
    """Published reports are public; others only for moderators and the lead institution's accounts."""
    return report.status == ReportStatus.PUBLISHED or may_report(user, report.commitment)


def history(commitment_id):
    """Return the commitment's published reports, newest first, with states and evidence."""
    return list(db.session.scalars(
        select(ProgressReport)
        .options(selectinload(ProgressReport.milestone_states), selectinload(ProgressReport.evidence))
        .where(ProgressReport.commitment_id == commitment_id, ProgressReport.status == ReportStatus.PUBLISHED)
        .order_by(ProgressReport.reported_on.desc(), ProgressReport.id.desc())
    ))


def reports_of(commitment_id):
    """Return the commitment's reports not (yet) public: for moderators and the lead institution's accounts."""
    query = (select(ProgressReport).options(selectinload(ProgressReport.evidence))
             .where(ProgressReport.commitment_id == commitment_id, ProgressReport.status != ReportStatus.PUBLISHED)
             .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc()))
    return list(db.session.scalars(query))


def pending_reports(limit=200):
    """Return submitted reports waiting for a moderator, oldest first."""
    return list(db.session.scalars(
        select(ProgressReport)
        .options(selectinload(ProgressReport.milestone_states), selectinload(ProgressReport.evidence),
                 selectinload(ProgressReport.commitment))
        .where(ProgressReport.status == ReportStatus.SUBMITTED)
        .order_by(ProgressReport.created_at, ProgressReport.id).limit(limit)
    ))


# The public tracker ------------------------------------------------------------------------

def filter_options(plan):
    """Return (institutions, department codes) that the plan's commitments have, for the filters."""
    rows = db.session.execute(
        select(Commitment.lead_institution, Commitment.department_code).where(Commitment.plan_id == plan.id)
    ).all()
    return sorted({row[0] for row in rows}), sorted({row[1] for row in rows if row[1]})


def _filtered(plan, scope, institution, department):
    where = [Commitment.plan_id == plan.id]
    if scope in SCOPES:
        where.append(Commitment.scope == scope)
    if institution:
        where.append(Commitment.lead_institution == institution)
    if department:
        where.append(Commitment.department_code == department)
    return where


def tracker_page(plan, *, page, per_page, scope=None, institution=None, department=None, today=None):
    """Return (items of `tracker` for one page, the number of matching commitments)."""
    where = _filtered(plan, scope, institution, department)
    total = db.session.scalar(select(func.count()).select_from(Commitment).where(*where))
    return tracker(plan, scope=scope, institution=institution, department=department, today=today,
                   limit=per_page, offset=(page - 1) * per_page), int(total)


def tracker(plan, *, scope=None, institution=None, department=None, today=None, limit=None, offset=0):
    """Return the plan's commitments (milestones loaded) matching the filters, with a timeline summary.

    Each item is (commitment, {"on_time": n, "late": n, "complete": n, "total": n}); a
    milestone is late once its end date passed without it being complete by then.
    """
    today = today or utcnow().date()
    query = (select(Commitment).options(selectinload(Commitment.milestones))
             .where(*_filtered(plan, scope, institution, department)).order_by(Commitment.position))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    items = []
    for commitment in db.session.scalars(query):
        late = sum(1 for m in commitment.milestones if m.is_late(today))
        done = sum(1 for m in commitment.milestones if m.state == MilestoneState.COMPLETE)
        items.append((commitment, {"total": len(commitment.milestones), "late": late, "complete": done,
                                   "on_time": len(commitment.milestones) - late}))
    return items


def completion_counts(plan_id):
    """Return {level: commitments} for every IRM level (zeros included)."""
    counts = dict(db.session.execute(
        select(Commitment.completion, func.count()).where(Commitment.plan_id == plan_id).group_by(Commitment.completion)
    ).all())
    return {level.value: int(counts.get(level, 0)) for level in CompletionLevel}


def plan_tally(process_id):
    """Return the `plan` part of the process tally (zeros when the process has no plan)."""
    plan = plan_of(process_id)
    if plan is None:
        return {"commitments": 0, "national": 0, "subnational": 0,
                "completion": {level.value: 0 for level in CompletionLevel}}
    scopes = Counter(dict(db.session.execute(
        select(Commitment.scope, func.count()).where(Commitment.plan_id == plan.id).group_by(Commitment.scope)
    ).all()))
    return {"commitments": sum(scopes.values()), "national": int(scopes.get(Scope.NATIONAL, 0)),
            "subnational": int(scopes.get(Scope.SUBNATIONAL, 0)), "completion": completion_counts(plan.id)}


# The periodic report and the open data ------------------------------------------------------

def parse_period(date_from, date_to, plan):
    """Return (from, to) dates of a periodic report; the plan's period when not given.

    :raises ValidationFailed: a malformed date, or `to` before `from`.
    """
    start = parse_day(date_from, _l("desde")) if date_from else plan.starts_on
    end = parse_day(date_to, _l("hasta")) if date_to else plan.ends_on
    if end < start:
        raise ValidationFailed(_l("La fecha «hasta» no puede ser anterior a «desde»."))
    return start, end


def period_report(plan, start, end, today=None):
    """Return the periodic progress report: each commitment with its reports published for dates in the period.

    Items: (commitment, [reports], milestones due in the period); plus the completion counts.
    """
    today = today or utcnow().date()
    commitments = list(db.session.scalars(
        select(Commitment).options(selectinload(Commitment.milestones), selectinload(Commitment.department))
        .where(Commitment.plan_id == plan.id).order_by(Commitment.position)
    ))
    reports = {}
    for report in db.session.scalars(
        select(ProgressReport).options(selectinload(ProgressReport.evidence))
        .join(Commitment, Commitment.id == ProgressReport.commitment_id)
        .where(Commitment.plan_id == plan.id, ProgressReport.status == ReportStatus.PUBLISHED,
               ProgressReport.reported_on >= start, ProgressReport.reported_on <= end)
        .order_by(ProgressReport.reported_on, ProgressReport.id)
    ):
        reports.setdefault(report.commitment_id, []).append(report)
    items = [(c, reports.get(c.id, []), [m for m in c.milestones if start <= m.ends_on <= end]) for c in commitments]
    return {"items": items, "completion": completion_counts(plan.id), "start": start, "end": end, "today": today}


COMMITMENT_COLUMNS = ("code", "title", "scope", "department_code", "municipality", "lead_institution",
                      "other_actors", "starts_on", "ends_on", "ogp_values", "completion", "milestones",
                      "milestones_complete", "milestones_late", "published_reports", "last_report_on")
MILESTONE_COLUMNS = ("commitment_code", "position", "deliverable", "starts_on", "ends_on", "state", "completed_on",
                     "late")
REPORT_COLUMNS = ("report_id", "commitment_code", "institution", "reported_on", "completion", "narrative",
                  "links", "documents", "published_at")


def _published_summary(plan_id):
    rows = db.session.execute(
        select(ProgressReport.commitment_id, func.count(), func.max(ProgressReport.reported_on))
        .join(Commitment, Commitment.id == ProgressReport.commitment_id)
        .where(Commitment.plan_id == plan_id, ProgressReport.status == ReportStatus.PUBLISHED)
        .group_by(ProgressReport.commitment_id)
    ).all()
    return {row[0]: (int(row[1]), row[2]) for row in rows}


def commitment_rows(plan, today=None):
    """Rows of the public `commitments` CSV."""
    today = today or utcnow().date()
    summary = _published_summary(plan.id)
    for commitment, timeline in tracker(plan, today=today):
        count, last = summary.get(commitment.id, (0, None))
        yield (commitment.code, commitment.title, commitment.scope, commitment.department_code or "",
               commitment.municipality or "", commitment.lead_institution, commitment.other_actors,
               commitment.starts_on.isoformat(), commitment.ends_on.isoformat(), commitment.ogp_values,
               commitment.completion, timeline["total"], timeline["complete"], timeline["late"], count,
               last.isoformat() if last else "")


def milestone_rows(plan, today=None):
    """Rows of the public `milestones` CSV."""
    today = today or utcnow().date()
    for commitment, _timeline in tracker(plan, today=today):
        for m in commitment.milestones:
            yield (commitment.code, m.position, m.deliverable, m.starts_on.isoformat(), m.ends_on.isoformat(),
                   m.state, m.completed_on.isoformat() if m.completed_on else "", m.is_late(today))


def report_rows(plan, start=None, end=None):
    """Rows of the public `progress_reports` CSV: published reports, optionally within report dates."""
    query = (select(ProgressReport, Commitment.code).options(selectinload(ProgressReport.evidence))
             .join(Commitment, Commitment.id == ProgressReport.commitment_id)
             .where(Commitment.plan_id == plan.id, ProgressReport.status == ReportStatus.PUBLISHED)
             .order_by(Commitment.position, ProgressReport.reported_on, ProgressReport.id))
    if start is not None:
        query = query.where(ProgressReport.reported_on >= start)
    if end is not None:
        query = query.where(ProgressReport.reported_on <= end)
    for report, code in db.session.execute(query):
        links = " ".join(e.url for e in report.evidence if e.kind == EvidenceKind.LINK)
        documents = sum(1 for e in report.evidence if e.kind == EvidenceKind.FILE)
        yield (report.id, code, report.institution or "", report.reported_on.isoformat(), report.completion,
               report.narrative, links, documents, report.published_at.isoformat(timespec="seconds") + "Z")

