"""The selection workflow: a proposal moves one step at a time, with a public reason."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.ledger.services import append_entry
from aga_consulta.i18n import STATUS_LABELS
from aga_consulta.proposals.models import STATUSES, Proposal, ProposalStatus, StatusDecision
from aga_consulta.text import clean_reason
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import entries

#: The selection workflow: forward one step, or back one step (always with a reason).
TRANSITIONS = frozenset({
    (ProposalStatus.RECEIVED, ProposalStatus.SHORTLISTED),
    (ProposalStatus.SHORTLISTED, ProposalStatus.SELECTED),
    (ProposalStatus.SHORTLISTED, ProposalStatus.NOT_SELECTED),
    (ProposalStatus.SHORTLISTED, ProposalStatus.RECEIVED),
    (ProposalStatus.SELECTED, ProposalStatus.SHORTLISTED),
    (ProposalStatus.NOT_SELECTED, ProposalStatus.SHORTLISTED),
})


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this status change."""


class StatusChangedMeanwhile(DomainError):
    """Someone else changed the proposal's status since the page was loaded."""

    message = _l("Otra persona cambió el estado de esta propuesta mientras tanto. Revisa el estado actual y vuelve a intentarlo.")


def allowed_next_statuses(status):
    """Return the statuses a proposal in `status` may move to, in workflow order."""
    return [to for to in STATUSES if (status, to) in TRANSITIONS]


def _ensure_transitions(proposals_, new_status):
    if new_status not in STATUSES:
        raise ValidationFailed(_l("Estado desconocido."))
    refused = [p for p in proposals_ if (p.status, new_status) not in TRANSITIONS]
    if refused:
        listed = ", ".join(f"{p.code} ({STATUS_LABELS[p.status]})" for p in refused)
        raise TransitionNotAllowed(
            _l(
                "No se cambió ninguna propuesta: el paso a «%(status)s» no está permitido para %(proposals)s.",
                status=STATUS_LABELS[new_status],
                proposals=listed,
            )
        )


def _apply_status(actor, proposal, new_status, reason, now):
    from_status = proposal.status
    # Compare-and-set: if another moderator moved the proposal since it was read, no row
    # matches and the whole transaction is abandoned instead of overwriting their decision.
    result = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == from_status)
        .values(status=new_status, status_reason=reason)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StatusChangedMeanwhile()
    decision = StatusDecision(
        proposal_id=proposal.id,
        consultation_id=proposal.consultation_id,
        from_status=from_status,
        to_status=new_status,
        reason=reason,
        actor_id=actor.id,
        actor_role=actor.role,
        created_at=now,
    )
    db.session.add(decision)
    append_entry(proposal.consultation_id, entries.proposal_status(
        now, proposal=proposal.id, from_status=str(from_status), to_status=str(new_status), reason=reason), at=now)
    record(
        actor, "proposal.status", "proposal", proposal.id, target_label=proposal.code,
        before={"status": from_status}, after={"status": new_status}, reason=reason, now=now,
    )
    return decision


def change_status(actor, proposal, new_status, reason, now=None):
    """Move a proposal along the workflow with a public reason; return the decision.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: unknown status, or a missing or overlong reason.
    :raises TransitionNotAllowed: the workflow does not allow this step.
    :raises StatusChangedMeanwhile: another moderator changed the status first.
    """
    return bulk_change_status(actor, [proposal], new_status, reason, now=now)[0]


def bulk_change_status(actor, proposals_, new_status, reason, now=None):
    """Move several proposals of one consultation to `new_status`: all of them or none.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: no proposals, several consultations, unknown status, bad reason.
    :raises TransitionNotAllowed: the step is not allowed for some proposals (all are named).
    :raises StatusChangedMeanwhile: another moderator changed one of them first.
    """
    ensure_moderator(actor)
    proposals_ = list(proposals_)
    if not proposals_:
        raise ValidationFailed(_l("Elige al menos una propuesta."))
    if len({p.consultation_id for p in proposals_}) != 1:
        raise ValidationFailed(_l("Las propuestas deben ser de la misma consulta."))
    reason = clean_reason(reason)
    _ensure_transitions(proposals_, new_status)
    now = now or utcnow()
    decisions = [_apply_status(actor, p, new_status, reason, now) for p in proposals_]
    db.session.commit()
    return decisions


def decisions_for_consultation(consultation):
    """Return the consultation's status decisions, newest first, with their proposals."""
    return list(
        db.session.execute(
            select(StatusDecision, Proposal)
            .join(Proposal, Proposal.id == StatusDecision.proposal_id)
            .where(StatusDecision.consultation_id == consultation.id)
            .order_by(StatusDecision.created_at.desc(), StatusDecision.id.desc())
        )
    )


def decisions_for_proposal(proposal):
    """Return the proposal's status decisions, newest first."""
    return list(
        db.session.scalars(
            select(StatusDecision)
            .where(StatusDecision.proposal_id == proposal.id)
            .order_by(StatusDecision.created_at.desc(), StatusDecision.id.desc())
        )
    )
