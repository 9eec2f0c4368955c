"""Comment and comment report."""
from enum import StrEnum

from sqlalchemy import and_, exists
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import aliased

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow


class CommentStatus(StrEnum):
    """Whether the public sees a comment."""

    PUBLISHED = "published"
    HIDDEN = "hidden"


COMMENT_STATUSES = tuple(CommentStatus)


#: Comment.is_visible's SQL expression, built on first use.
_VISIBLE = {}


class Comment(db.Model):
    """A comment on a proposal or on a plan's commitment, or a reply (one level) to one."""

    __tablename__ = "comments"
    __table_args__ = (
        check_in("status", CommentStatus, name="status_valid"),
        # Target of the composite foreign key below.
        db.UniqueConstraint("id", "proposal_id", name="uq_comments_id_proposal"),
        # A reply's parent is on the same proposal: enforced by the database.
        db.ForeignKeyConstraint(
            ["parent_id", "proposal_id"],
            ["comments.id", "comments.proposal_id"],
            name="fk_comments_parent_same_proposal",
        ),
        # Exactly one target: a proposal (with its consultation) or a commitment.
        db.CheckConstraint(
            "(proposal_id IS NOT NULL AND consultation_id IS NOT NULL AND commitment_id IS NULL)"
            " OR (proposal_id IS NULL AND consultation_id IS NULL AND commitment_id IS NOT NULL)",
            name="one_target",
        ),
        # The same rule for replies on a commitment.
        db.UniqueConstraint("id", "commitment_id", name="uq_comments_id_commitment"),
        db.ForeignKeyConstraint(
            ["parent_id", "commitment_id"],
            ["comments.id", "comments.commitment_id"],
            name="fk_comments_parent_same_commitment",
        ),
        db.Index("ix_comments_proposal_status", "proposal_id", "status"),
        db.Index("ix_comments_commitment_status", "commitment_id", "status"),
        db.Index("ix_comments_consultation_user", "consultation_id", "user_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposals.id", ondelete="CASCADE"))
    #: Copied from the proposal so that tallies need no join (None on a commitment).
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"))
    #: A comment on a published plan's commitment: outside any consultation, its tally and log.
    commitment_id = db.Column(db.Integer, db.ForeignKey("commitments.id", ondelete="CASCADE"))
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    parent_id = db.Column(db.Integer, index=True)
    body = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(12), nullable=False, default=CommentStatus.PUBLISHED, server_default=CommentStatus.PUBLISHED.value)
    #: Why a moderator (or the reports threshold) hid or restored it; shown to the author.
    moderation_reason = db.Column(db.Text)
    moderated_at = db.Column(db.DateTime)
    #: Set while the comment is hidden by the reports threshold, pending a moderator's review.
    auto_hidden_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    author = db.relationship("User", lazy="joined")
    proposal = db.relationship("Proposal")
    parent = db.relationship(
        "Comment",
        remote_side=[id],
        primaryjoin="Comment.parent_id == Comment.id",
        foreign_keys=[parent_id],
        viewonly=True,
    )

    @property
    def target_label(self):
        """What it is a comment on, for the audit log: "#12 · SN-07" or "#12 · compromiso 3"."""
        if self.proposal_id is None:
            return f"#{self.id} · compromiso {self.commitment_id}"
        return f"#{self.id} · {self.proposal.code}"

    @hybrid_property
    def is_visible(self):
        """Whether the public sees it: published, and a reply only while its comment is published too."""
        # The one rule of public visibility: every page, count, tally figure and public export
        # asks this (in SQL, `Comment.is_visible`), so that a reply left under a hidden comment
        # is no more public than the thread it belongs to. Hidden ones are shown only to their
        # author and to moderators.
        if self.status != CommentStatus.PUBLISHED:
            return False
        return self.parent_id is None or self.parent.status == CommentStatus.PUBLISHED

    @is_visible.inplace.expression
    @classmethod
    def _is_visible_expression(cls):
        # NOT EXISTS rather than a join: usable as a bare WHERE or CASE condition in any query
        # over comments, correlated on the parent's primary key (no row for a top-level one).
        # Built once for the class: aliasing an entity costs more than the query it goes in
        # (a third of the proposal page's time), and the expression holds no value of its own.
        if cls in _VISIBLE:
            return _VISIBLE[cls]
        parent = aliased(cls, name="thread_parent")
        expression = and_(
            cls.status == CommentStatus.PUBLISHED,
            ~exists().where(parent.id == cls.parent_id, parent.status != CommentStatus.PUBLISHED),
        )
        if isinstance(cls, type):  # the mapped class, not a per-query alias of it
            _VISIBLE[cls] = expression
        return expression


class CommentReport(db.Model):
    """A citizen's report of an abusive comment (once per citizen per comment)."""

    __tablename__ = "comment_reports"
    __table_args__ = (
        db.UniqueConstraint("comment_id", "user_id", name="uq_comment_reports_comment_user"),
    )

    id = db.Column(db.Integer, primary_key=True)
    comment_id = db.Column(
        db.Integer, db.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    reporter = db.relationship("User")
    comment = db.relationship("Comment")
