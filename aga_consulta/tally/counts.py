"""Live counts per proposal (active votes, public comments), for listings and pages.

One grouped count per table, joined to the proposals: the consultation page, the
moderators' dashboard, the tally's ranking and the proposals export all count this way.
"""
from sqlalchemy import func, select

from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import comment_counts_subquery
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal, Theme
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import vote_counts_subquery


def proposals_with_counts(consultation, *, scope=None, department=None, theme=None, status=None):
    """Return (query, votes, comments): the filtered proposals with their live counts.

    The query selects (proposal, active votes, public comments); `votes` and `comments`
    are its count columns, for ordering. Filters are exact matches on validated values.
    """
    vote_counts = vote_counts_subquery(consultation.id)
    comment_counts = comment_counts_subquery(consultation.id)
    votes = func.coalesce(vote_counts.c.n, 0).label("votes")
    comments = func.coalesce(comment_counts.c.n, 0).label("comments")
    query = (
        select(Proposal, votes, comments)
        .outerjoin(vote_counts, vote_counts.c.proposal_id == Proposal.id)
        .outerjoin(comment_counts, comment_counts.c.proposal_id == Proposal.id)
    )
    query = filtered(query, consultation, scope=scope, department=department, theme=theme, status=status)
    return query, votes, comments


def filtered(query, consultation, *, scope, department, theme, status):
    """Restrict `query` to the consultation's proposals matching the exact-match filters."""
    query = query.where(Proposal.consultation_id == consultation.id)
    if scope:
        query = query.where(Proposal.scope == scope)
    if department:
        query = query.where(Proposal.department_code == department)
    if theme:
        query = query.join(Theme, Theme.id == Proposal.theme_id).where(Theme.slug == theme)
    if status:
        query = query.where(Proposal.status == status)
    return query


def proposal_count_columns(proposal_id):
    """(active votes, comments the public sees) of one proposal, as scalar subqueries for a page's statement."""
    votes = (select(func.count(Vote.id)).where(Vote.proposal_id == proposal_id, Vote.withdrawn_at.is_(None))
             .scalar_subquery())
    comments = (select(func.count(Comment.id)).where(Comment.proposal_id == proposal_id, Comment.is_visible)
                .scalar_subquery())
    return votes, comments


def proposal_counts(proposal_id):
    """Return (active votes, comments the public sees) of one proposal, in one statement."""
    return tuple(db.session.execute(select(*proposal_count_columns(proposal_id))).one())
