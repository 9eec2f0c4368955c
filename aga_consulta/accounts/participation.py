"""What one citizen has done: the data behind the "my participation" page."""
from sqlalchemy import select

from aga_consulta.comments.models import Comment
from aga_consulta.consultations.models import Consultation
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
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
