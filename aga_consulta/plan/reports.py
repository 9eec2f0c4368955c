"""Progress reports on a commitment, with their evidence, and the moderators' decision on them.

Progress is reported by institution accounts of a commitment's lead institution, and by
moderators; a moderator publishes a report or sends it back. A commitment's completion level
and its milestones' states are those of its latest published report (by report date); every
published report stays in its public history. Every change is audited in the same transaction.

A report is validated whole before anything is stored: its PDFs are then streamed to disk
(aga_consulta/uploads.py) and the rows committed, and if the rows fail the files go too.
"""
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from aga_consulta import uploads
from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.errors import DomainError, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.plan.commitments import MAX_ID, expected_version, versioned
from aga_consulta.plan.models import (
    COMPLETION_LEVELS, MILESTONE_STATES, CompletionLevel, Evidence, EvidenceKind, MilestoneState, ProgressReport,
    ReportMilestoneState, ReportStatus,
)
from aga_consulta.text import REASON_MAX, clean_text, one_line
from aga_consulta.timeutil import parse_day, utcnow

NARRATIVE_MIN = 10
NARRATIVE_MAX = 5000
LINKS_MAX = 10
FILES_MAX = 5
URL_MAX = 500
_NOT_A_PDF = _l("Solo se admiten documentos PDF: «%(name)s» no lo es.")
#: What a refused evidence document is told (see uploads.stored_pdfs).
REFUSALS = {"too_large": _l("Cada documento admite hasta %(mb)d MB."), "empty": _NOT_A_PDF, "not_pdf": _NOT_A_PDF}


class ReportDecided(DomainError):
    """The report was already published or sent back."""

    message = _l("Este reporte ya fue publicado o devuelto.")


class NotYourCommitment(NotAllowed):
    """Only the lead institution's accounts (and moderators) report on a commitment."""

    message = _l("Solo las cuentas de la institución líder del compromiso y el equipo moderador reportan avances.")


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
    reported_on = parse_day(reported_on, _l("fecha del reporte"), field="reported_on")
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
    :raises uploads.UploadTooLarge: a document over the cap (413).
    """
    now = now or utcnow()
    if not may_report(actor, commitment):
        raise NotYourCommitment()
    fields = validated_report(commitment, reported_on=reported_on, completion=completion,
                              milestone_states=milestone_states, narrative=narrative, links=links, today=now.date())
    files = [(stream, name) for stream, name in files or () if stream is not None]
    if len(files) > FILES_MAX:
        raise ValidationFailed(_l("Como máximo %(max)d documentos.", max=FILES_MAX))
    with uploads.stored_pdfs(files, REFUSALS, upload_dir, max_bytes) as stored:
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
        db.session.flush()
        record(actor, "report.submit", "progress_report", report.id, target_label=commitment.code,
               after={"reported_on": report.reported_on, "completion": report.completion,
                      "evidence": len(report.evidence)}, now=now)
        db.session.commit()
    return report


def _decidable(actor, report, version):
    ensure_moderator(actor)
    expected_version(report, version)
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
    with versioned():
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
    with versioned():
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
