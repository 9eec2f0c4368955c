"""Commenting, replying and reporting."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.models import User, participation_values
from aga_consulta.accounts.permissions import ensure_speaks_for_themselves
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.comments.moderation import auto_hide_if_reported, counted_report_count
from aga_consulta.consultations.services import ensure_account_can_take_part, ensure_can_participate
from aga_consulta.errors import DomainError, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.ledger.services import append_entry, participant
from aga_consulta.text import clean_text
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import entries

BODY_MIN = 3
BODY_MAX = 2000
REASON_MIN = 3
REASON_MAX = 500


class AlreadyReported(DomainError):
    """The citizen already reported this comment."""

    message = _l("Ya habías reportado este comentario. Gracias: el equipo moderador lo revisará.")


def _clean_body(body):
    body = clean_text(body)
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise ValidationFailed(
            _l("El comentario debe tener entre %(min)d y %(max)d caracteres.", min=BODY_MIN, max=BODY_MAX)
        )
    return body


def add_comment(author, proposal, body, parent=None, now=None):
    """Publish a comment on the proposal (a reply when `parent` is given) and return it.

    A reply to a reply is attached to the top-level comment: one level of replies. Nobody
    replies inside a thread the public cannot see (its top-level comment hidden), whichever
    of its comments `parent` names.

    :raises NotAllowed: the account is deactivated.
    :raises SpeaksForAnInstitution: the account is an institution's.
    :raises ConsultationClosed: outside the consultation's window.
    :raises ValidationFailed: the body's length is out of bounds, or the parent is not a
        visible comment on the same proposal (a reply in a hidden thread is not visible).
    """
    now = now or utcnow()
    ensure_can_participate(author, proposal.consultation, now)
    ensure_speaks_for_themselves(author)
    body = _clean_body(body)
    if parent is not None:
        # is_visible covers the thread: a published reply under a hidden comment is refused
        # here, before it could re-attach a new reply under the hidden one. The same message
        # as for a missing comment, so that the answer does not tell which ids are hidden.
        if parent.proposal_id != proposal.id or not parent.is_visible:
            raise ValidationFailed(_l("Solo puedes responder a un comentario visible de esta propuesta."))
        if parent.parent_id is not None:
            parent = parent.parent
    comment = Comment(
        proposal_id=proposal.id,
        consultation_id=proposal.consultation_id,
        user_id=author.id,
        parent_id=parent.id if parent is not None else None,
        body=body,
        created_at=now,
    )
    db.session.add(comment)
    # The author's first participation, in the same transaction (a report's weight depends on it).
    db.session.execute(
        update(User).where(User.id == author.id).values(**participation_values(now))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()  # the comment's id names it in the log
    who = participant(comment.consultation_id, author.id)
    append_entry(comment.consultation_id, entries.comment_made(
        now, participant=who, proposal=proposal.id, comment=comment.id, parent=comment.parent_id,
        text_sha256=entries.text_sha256(body)), participant=who, at=now)
    db.session.commit()
    return comment


def add_commitment_comment(author, commitment, body, parent=None, now=None):
    """Publish a comment on a published plan's commitment (a reply when `parent` is given).

    A commitment is followed up for years: its comments have no window, and being outside
    any consultation they count in no consultation's tally, log or export. Replies follow
    `add_comment`'s rules (one level, only under a visible comment of the same commitment).

    :raises NotAllowed: the account is deactivated.
    :raises ValidationFailed: the body's length is out of bounds, or a bad parent.
    """
    now = now or utcnow()
    ensure_account_can_take_part(author)
    body = _clean_body(body)
    if parent is not None:
        if parent.commitment_id != commitment.id or not parent.is_visible:
            raise ValidationFailed(_l("Solo puedes responder a un comentario visible de este compromiso."))
        if parent.parent_id is not None:
            parent = parent.parent
    comment = Comment(commitment_id=commitment.id, user_id=author.id,
                      parent_id=parent.id if parent is not None else None, body=body, created_at=now)
    db.session.add(comment)
    db.session.commit()
    return comment


def report_comment(reporter, comment, reason, now=None):
    """Record a report of an abusive comment; hide it once enough distinct reports that count arrive.

    Every report is stored and reaches the moderators' queue; only those of accounts that
    could not have been made for the purpose count toward hiding (`moderation.report_counts`).

    :raises NotAllowed: the account is deactivated, or it is the reporter's own comment.
    :raises ConsultationClosed: outside the consultation's window (a proposal's comment).
    :raises ValidationFailed: the reason's length is out of bounds.
    :raises AlreadyReported: this citizen already reported this comment.
    """
    now = now or utcnow()
    if comment.proposal_id is not None:
        ensure_can_participate(reporter, comment.proposal.consultation, now)
    else:
        ensure_account_can_take_part(reporter)
    if comment.user_id == reporter.id:
        raise NotAllowed(_l("No puedes reportar tu propio comentario."))
    reason = clean_text(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            _l("El motivo debe tener entre %(min)d y %(max)d caracteres.", min=REASON_MIN, max=REASON_MAX)
        )
    report = CommentReport(comment_id=comment.id, user_id=reporter.id, reason=reason, created_at=now)
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyReported() from None
    # Hidden pending review (with a system entry in the audit log); reports that a
    # moderator already reviewed do not count again, nor do those of accounts that could
    # have been made for the purpose (comments.moderation.report_counts).
    threshold = current_app.config["COMMENT_AUTOHIDE_REPORTS"]
    min_account_age = current_app.config["REPORT_TRUST_MIN_ACCOUNT_AGE"]
    auto_hide_if_reported(comment, counted_report_count(comment, min_account_age), threshold, now)
    db.session.commit()
    return report


def visible_thread(proposal_id, viewer=None, *, commitment_id=None):
    """Return the proposal's (or commitment's) top-level comments with their replies, as (comment, [replies]).

    Comments the public does not see (`Comment.is_visible`: hidden ones, and replies under a
    hidden comment) are left out, except the viewer's own (marked hidden) and all of them for
    a moderator. A reply whose comment is left out goes with it.
    """
    return thread_and_reports(proposal_id, viewer, commitment_id=commitment_id)[0]


def thread_and_reports(proposal_id, viewer=None, *, commitment_id=None):
    """Return (`visible_thread`, ids of its comments the viewer has reported), in one statement."""
    logged_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    reported = literal(False)
    if logged_in:
        reported = exists().where(CommentReport.comment_id == Comment.id, CommentReport.user_id == viewer.id)
    target = Comment.commitment_id == commitment_id if commitment_id is not None else Comment.proposal_id == proposal_id
    query = select(Comment, reported).where(target).order_by(Comment.created_at, Comment.id)
    if not logged_in:
        query = query.where(Comment.is_visible)
    elif not viewer.is_moderator:
        query = query.where(Comment.is_visible | (Comment.user_id == viewer.id))
    rows = db.session.execute(query).unique().all()
    comments = [comment for comment, _ in rows]
    return _thread(comments), {comment.id for comment, was_reported in rows if was_reported}


def _thread(comments):
    top = [c for c in comments if c.parent_id is None]
    replies = {}
    for c in comments:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    return [(c, replies.get(c.id, [])) for c in top]


def comment_counts_subquery(consultation_id, public_only=True):
    """(proposal_id, n): comments per proposal; those the public sees unless told otherwise."""
    # Public counts include only what the public pages show (Comment.is_visible); the
    # moderators' export counts every comment received.
    where = [Comment.consultation_id == consultation_id]
    if public_only:
        where.append(Comment.is_visible)
    return (
        select(Comment.proposal_id, func.count().label("n"))
        .where(*where)
        .group_by(Comment.proposal_id)
        .subquery("comment_counts")
    )
