"""Writing the audit log: one entry per moderator, admin or system action.

`record` only adds the entry to the session: the caller commits it together with the
change it describes, so that a change is never stored without its entry (or the reverse).
"""
import json
from datetime import datetime

from aga_consulta.extensions import db
from aga_consulta.audit.models import AUDIT_ACTIONS, AuditLogEntry
from aga_consulta.timeutil import isoformat_utc, utcnow


def _jsonable(value):
    if isinstance(value, datetime):
        return isoformat_utc(value)
    return str(value)


def to_json(data):
    """Serialise a dict of field values for the before/after columns (None stays None)."""
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_jsonable)


def record(actor, action, target_type, target_id=None, *, target_label="", before=None, after=None,
           reason=None, now=None):
    """Add an audit entry for `actor` (None: the system) to the current transaction and return it.

    :raises ValueError: `action` is not one of AUDIT_ACTIONS (a programming error).
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditLogEntry(
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=(target_label or "")[:250],
        before=to_json(before),
        after=to_json(after),
        reason=reason,
        created_at=now or utcnow(),
    )
    db.session.add(entry)
    return entry
