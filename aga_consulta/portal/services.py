"""Queries behind the public pages: the consultation's proposal list and a citizen's own record."""
import hashlib

from sqlalchemy import func, select

from aga_consulta.comments.models import Comment
from aga_consulta.consultations.models import Consultation
from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.services import code_order
from aga_consulta.tally.counts import filtered, proposals_with_counts
from aga_consulta.voting.models import Vote


def my_participation(user_id):
    """Return the citizen's active votes and all their comments (hidden ones marked)."""
    votes = db.session.execute(
        select(Vote, Proposal, Consultation)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .join(Consultation, Consultation.id == Vote.consultation_id)
        .where(Vote.user_id == user_id, Vote.withdrawn_at.is_(None))
        .order_by(Vote.cast_at.desc())
    ).all()
    comments = db.session.execute(
        select(Comment, Proposal)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Comment.user_id == user_id)
        .order_by(Comment.created_at.desc())
    ).all()
    return {"votes": votes, "comments": comments}


def my_receipts(user_id):
    """Return the citizen's receipts of votes, withdrawals and comments (contract items), newest first."""
    consultation_ids = select(Vote.consultation_id).where(Vote.user_id == user_id).union(
        select(Comment.consultation_id).where(Comment.user_id == user_id))
    consultations = dict(db.session.execute(
        select(Consultation.id, Consultation.slug).where(Consultation.id.in_(consultation_ids))).all())
    if not consultations:
        return []
    codes = dict(db.session.execute(
        select(Proposal.id, Proposal.code).where(Proposal.consultation_id.in_(consultations))).all())
    return ledger.receipts(user_id, consultations, codes)


#: Sort orders of the consultation page.
SORTS = ("votes", "recent", "random")


def _random_key(seed, proposal_id):
    # Stable for one visitor (same seed), different between visitors: no position bias.
    return hashlib.sha256(f"{seed}:{proposal_id}".encode()).digest()


def list_proposals(consultation, *, scope=None, department=None, theme=None, status=None,
                   sort="votes", seed="", page=1, per_page=30):
    """Return (rows, total) for one page: rows are (proposal, votes, comments) tuples.

    Not db.paginate(): it keeps only the first column of a select, and each row needs its counts.

    Filters are exact matches on validated values; `sort` is one of SORTS.
    """
    filters = dict(scope=scope, department=department, theme=theme, status=status)
    query, votes, comments = proposals_with_counts(consultation, **filters)
    ids = filtered(select(Proposal.id), consultation, **filters)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    if sort == "random":
        # Order the ids only (not whole rows with their texts), then load one page.
        order = sorted(db.session.scalars(ids), key=lambda proposal_id: _random_key(seed, proposal_id))
        start = (page - 1) * per_page
        wanted = order[start:start + per_page]
        position = {proposal_id: n for n, proposal_id in enumerate(wanted)}
        rows = list(db.session.execute(query.where(Proposal.id.in_(wanted)))) if wanted else []
        rows.sort(key=lambda row: position[row[0].id])
        return rows, total
    if sort == "recent":
        query = query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    else:
        query = query.order_by(votes.desc(), comments.desc(), code_order())
    query = query.limit(per_page).offset((page - 1) * per_page)
    return list(db.session.execute(query)), total
