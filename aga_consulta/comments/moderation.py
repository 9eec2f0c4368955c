"""Moderating comments: hiding and restoring them with a reason, the queue, and auto-hide."""
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.comments.models import Comment, CommentReport, CommentStatus
from aga_consulta.errors import DomainError
from aga_consulta.extensions import db
from aga_consulta.ledger.services import append_entry
from aga_consulta.text import clean_reason
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import entries


class NothingToModerate(DomainError):
    """The comment is already in the state the action would put it in."""


def _unreviewed_reports(comment_column_id, comment_column_moderated_at):
    # A report is unreviewed until a moderator decides on the comment after it arrived.
    return and_(
        CommentReport.comment_id == comment_column_id,
        or_(comment_column_moderated_at.is_(None), CommentReport.created_at > comment_column_moderated_at),
    )


def has_pending_reports(comment):
    """True when the comment has reports that no moderator has reviewed yet."""
    return unreviewed_report_count(comment) > 0


def _unreviewed(query, comment):
    if comment.moderated_at is not None:
        query = query.where(CommentReport.created_at > comment.moderated_at)
    return query


def unreviewed_report_count(comment):
    """Return how many reports of the comment arrived after the last moderator decision (all of them: the queue's)."""
    return db.session.scalar(_unreviewed(
        select(func.count(CommentReport.id)).where(CommentReport.comment_id == comment.id), comment))


def report_counts(report, min_account_age):
    """True when the report counts toward auto-hide: its author could not have been created for it.

    Any one is enough, each judged at the time of the report (or of the reported comment), so
    that the answer never changes afterwards: an e-mail confirmed before the report, an account
    at least `min_account_age` (a timedelta) old when reporting, or a vote or comment (any
    consultation) before the reported comment was posted. Other reports are kept and reach
    the queue like any other; they only do not hide a comment by themselves.
    """
    # Participation must predate the comment, not just the report: an account made for the
    # attack could otherwise vote once and then report. Accounts prepared in advance are
    # what the account age already stops for a while; the confirmed e-mail costs a mailbox.
    reporter, at = report.reporter, report.created_at
    if reporter.email_confirmed_at is not None and reporter.email_confirmed_at <= at:
        return True
    if reporter.created_at <= at - min_account_age:
        return True
    return reporter.first_participated_at is not None and reporter.first_participated_at < report.comment.created_at


def counted_report_count(comment, min_account_age):
    """Return how many unreviewed reports of the comment count toward auto-hide (`report_counts`)."""
    reports = db.session.scalars(_unreviewed(
        select(CommentReport).where(CommentReport.comment_id == comment.id)
        .options(joinedload(CommentReport.reporter)), comment))
    return sum(1 for report in reports if report_counts(report, min_account_age))


def _comment_state(comment):
    return {
        "status": comment.status,
        "moderation_reason": comment.moderation_reason,
        "pending_review": comment.auto_hidden_at is not None,
    }


def _set_moderated(actor, comment, status, reason, action, now):
    before = _comment_state(comment)
    # The log counts published and hidden comments: only a change of status is an entry
    # (confirming an auto-hide, or keeping a reported comment published, changes no figure).
    # Comments on a commitment belong to no consultation, hence to no transparency log.
    if status != comment.status and comment.consultation_id is not None:
        made = entries.comment_hidden(now, comment=comment.id, by="staff") if status == CommentStatus.HIDDEN \
            else entries.comment_restored(now, comment=comment.id)
        append_entry(comment.consultation_id, made, at=now)
    comment.status = status
    comment.moderation_reason = reason
    comment.moderated_at = now
    comment.auto_hidden_at = None
    record(
        actor, action, "comment", comment.id,
        target_label=comment.target_label,
        before=before, after=_comment_state(comment), reason=reason, now=now,
    )
    db.session.commit()
    return comment


def can_hide(comment):
    """True when a moderator may hide the comment: published, or hidden only by the reports."""
    return comment.status == CommentStatus.PUBLISHED or comment.auto_hidden_at is not None


def can_restore(comment, pending_reports):
    """True when a moderator may publish it (again): hidden, or with reports awaiting review."""
    return comment.status == CommentStatus.HIDDEN or pending_reports


def hide_comment(actor, comment, reason, now=None):
    """Hide a comment from public pages; its author sees that it was hidden and why.

    Also confirms a comment that the reports threshold hid pending review.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a missing or overlong reason.
    :raises NothingToModerate: a moderator already hid it.
    """
    ensure_moderator(actor)
    reason = clean_reason(reason)
    if not can_hide(comment):
        raise NothingToModerate(_l("Este comentario ya está oculto."))
    return _set_moderated(actor, comment, CommentStatus.HIDDEN, reason, "comment.hide", now or utcnow())


def restore_comment(actor, comment, reason, now=None):
    """Publish a hidden comment again, or keep a reported one published, with a reason.

    The reports received so far count as reviewed: they cannot hide it again.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a missing or overlong reason.
    :raises NothingToModerate: it is published and has no report waiting for review.
    """
    ensure_moderator(actor)
    reason = clean_reason(reason)
    if not can_restore(comment, has_pending_reports(comment)):
        raise NothingToModerate(_l("Este comentario ya está publicado y no tiene reportes pendientes."))
    return _set_moderated(actor, comment, CommentStatus.PUBLISHED, reason, "comment.restore", now or utcnow())


@dataclass
class QueueItem:
    """A comment in the moderation queue with its reports (and those that do not count toward auto-hide)."""

    comment: Comment
    reports: list
    pending: bool
    #: Ids of the reports that `report_counts` leaves out (none when the queue was not asked).
    uncounted: frozenset = frozenset()

    @property
    def can_hide(self):
        """Whether the hide form applies (the service's own rule)."""
        return can_hide(self.comment)

    @property
    def can_restore(self):
        """Whether the restore form applies (the service's own rule)."""
        return can_restore(self.comment, self.pending)


def comment_queue(pending_only=True, page=1, per_page=50, min_account_age=None):
    """Return one page (a Pagination of QueueItem) of reported or moderated comments.

    Those awaiting review come first. With `pending_only`, only comments with unreviewed
    reports or hidden pending review. Every report is listed; with `min_account_age`, the
    items also say which ones do not count toward auto-hide (`report_counts`).
    """
    pending = or_(
        Comment.auto_hidden_at.is_not(None),
        exists().where(_unreviewed_reports(Comment.id, Comment.moderated_at)),
    )
    reported = or_(pending, Comment.moderated_at.is_not(None), exists().where(CommentReport.comment_id == Comment.id))
    report_count = (
        select(func.count(CommentReport.id)).where(CommentReport.comment_id == Comment.id).correlate(Comment).scalar_subquery()
    )
    query = (
        select(Comment)
        .where(pending if pending_only else reported)
        .order_by(case((pending, 0), else_=1), Comment.auto_hidden_at.is_(None), report_count.desc(),
                  Comment.created_at.desc(), Comment.id)
    )
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    reports = {}
    ids = [comment.id for comment in result.items]
    if ids:
        for report in db.session.scalars(
            select(CommentReport).where(CommentReport.comment_id.in_(ids)).order_by(CommentReport.created_at)
        ):
            reports.setdefault(report.comment_id, []).append(report)
    result.items = [_queue_item(comment, reports.get(comment.id, []), min_account_age) for comment in result.items]
    return result


def _queue_item(comment, reports, min_account_age):
    uncounted = frozenset() if min_account_age is None else frozenset(
        report.id for report in reports if not report_counts(report, min_account_age))
    return QueueItem(comment, reports, _is_pending(comment, reports), uncounted)


def _is_pending(comment, reports):
    # The queue's SQL rule, applied to the page's loaded reports.
    return comment.auto_hidden_at is not None or any(
        comment.moderated_at is None or report.created_at > comment.moderated_at for report in reports
    )


def pending_comment_count():
    """Return how many comments wait for a moderator's review."""
    return comment_queue(per_page=1).total


def auto_hide_if_reported(comment, reports_since_review, threshold, now):
    """Hide a published comment pending review once `threshold` unreviewed reports that count arrive.

    `reports_since_review` is `counted_report_count`: reports from accounts that could have
    been made for the purpose are not in it.

    Called by the reporting service inside its transaction; the audit entry's actor is the
    system. Returns True when the comment was hidden.
    """
    if not threshold or reports_since_review < threshold or comment.status != CommentStatus.PUBLISHED:
        return False
    before = _comment_state(comment)
    comment.status = CommentStatus.HIDDEN
    comment.auto_hidden_at = now
    if comment.consultation_id is not None:
        append_entry(comment.consultation_id, entries.comment_hidden(now, comment=comment.id, by="reports"), at=now)
    # Stored text is in the source language, whatever the reporting visitor's language.
    with force_locale("es_CO"):
        comment.moderation_reason = str(
            _l("Oculto automáticamente tras %(n)d reportes, a la espera de revisión.", n=reports_since_review)
        )
    record(
        None, "comment.auto_hide", "comment", comment.id,
        target_label=comment.target_label,
        before=before, after=_comment_state(comment), reason=comment.moderation_reason, now=now,
    )
    return True
