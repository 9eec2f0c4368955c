"""Read-only queries behind the moderators' dashboard and the audit log page."""
from sqlalchemy import case, func, select

from aga_consulta.accounts.models import User
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.consultations.services import list_current
from aga_consulta.extensions import db
from aga_consulta.proposals.models import SCOPES, STATUSES, Proposal
from aga_consulta.proposals.services import code_order
from aga_consulta.tally.counts import proposals_with_counts

#: Whitelisted sort keys of the dashboard's proposals table.
DASHBOARD_SORTS = ("votes", "comments", "status", "code")
#: Workflow order used when sorting by status.
STATUS_ORDER = {status: index for index, status in enumerate(STATUSES)}


def default_consultation(now=None):
    """Return the consultation the dashboard shows first: an open one, else the newest, or None."""
    current = list_current(now)
    return current[0] if current else None


def dashboard_proposals(consultation, *, scope=None, department=None, theme=None, status=None,
                        sort="votes", descending=True):
    """Return (proposal, votes, comments) rows of the consultation, filtered and sorted.

    Filters are exact matches on validated values; `sort` is one of DASHBOARD_SORTS.
    """
    query, votes, comments = proposals_with_counts(
        consultation, scope=scope, department=department, theme=theme, status=status
    )
    keys = {
        "votes": votes,
        "comments": comments,
        "status": case(STATUS_ORDER, value=Proposal.status),
        "code": code_order(),
    }
    key = keys[sort if sort in keys else "votes"]
    order = [key.desc() if descending else key.asc()]
    if sort != "votes":
        order.append(votes.desc())
    order.append(code_order())
    return list(db.session.execute(query.order_by(*order)))


def proposals_by_ids(consultation, ids):
    """Return the consultation's proposals with these ids (others are ignored), by code."""
    if not ids:
        return []
    return list(db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id, Proposal.id.in_(ids)).order_by(Proposal.code)
    ))


def figures_by_scope_and_status(tally):
    """Return {scope: {status: n}} counted from the tally's ranking."""
    table = {scope: {status: 0 for status in STATUSES} for scope in SCOPES}
    for row in tally.get("ranking", []):
        if row.get("scope") in table and row.get("status") in table[row["scope"]]:
            table[row["scope"]][row["status"]] += 1
    return table


def audit_entries(*, action=None, actor_id=None, system=False, date_from=None, date_to=None, page=1, per_page=50):
    """Return one page (a Flask-SQLAlchemy Pagination) of the audit log, newest first, filtered.

    `date_from` and `date_to` are naive UTC datetimes (inclusive start, exclusive end);
    `system` selects the entries the application made itself.
    """
    query = select(AuditLogEntry)
    if action:
        query = query.where(AuditLogEntry.action == action)
    if system:
        query = query.where(AuditLogEntry.actor_id.is_(None))
    elif actor_id:
        query = query.where(AuditLogEntry.actor_id == actor_id)
    if date_from:
        query = query.where(AuditLogEntry.created_at >= date_from)
    if date_to:
        query = query.where(AuditLogEntry.created_at < date_to)
    ordered = query.order_by(AuditLogEntry.created_at.desc(), AuditLogEntry.id.desc())
    return db.paginate(ordered, page=page, per_page=per_page, error_out=False)


def audit_actors():
    """Return the people who appear as actors in the audit log, by name."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(AuditLogEntry.actor_id).where(AuditLogEntry.actor_id.is_not(None))))
        .order_by(User.name, User.id)
    ))
