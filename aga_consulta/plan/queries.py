"""The plan's read side: the public tracker, the process tally, the periodic report and the open data."""
from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.plan.commitments import plan_of
from aga_consulta.plan.models import (
    Commitment, CompletionLevel, EvidenceKind, MilestoneState, ProgressReport, ReportStatus,
)
from aga_consulta.proposals.models import SCOPES, Scope
from aga_consulta.timeutil import parse_day, utcnow


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
