"""The proposal page."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from aga_consulta.comments.forms import CommentForm, ReportForm
from aga_consulta.comments.services import reported_comment_ids, visible_thread
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.services import proposal_counts
from aga_consulta.voting.forms import VoteForm
from aga_consulta.voting.services import active_vote_count, has_active_vote

bp = Blueprint("proposals", __name__)

#: Largest id an INTEGER column holds; larger ids would be a database error, not a 404.
MAX_ID = 2**31 - 1


def get_or_404(model, object_id, options=()):
    """Return the row of `model` with this id, or abort with 404 (out-of-range ids included)."""
    if not 0 < object_id <= MAX_ID:
        abort(404)
    obj = db.session.get(model, object_id, options=options)
    if obj is None:
        abort(404)
    return obj


def load_proposal(proposal_id):
    """Return the proposal with its consultation, or abort with 404."""
    # Every caller needs the consultation (its window, its cap): one query, not two.
    return get_or_404(Proposal, proposal_id, options=[joinedload(Proposal.consultation)])


def render_proposal(proposal, status=200, comment_form=None):
    """Render the proposal page; used by the vote and comment routes to show a refusal."""
    votes, comments = proposal_counts(proposal.id)
    user = current_user if current_user.is_authenticated else None
    reply_to = request.args.get("reply_to", type=int)
    return (
        render_template(
            "proposals/show.html",
            proposal=proposal,
            consultation=proposal.consultation,
            is_open=proposal.consultation.is_open(),
            votes=votes,
            comment_count=comments,
            thread=visible_thread(proposal.id, user),
            has_voted=bool(user) and has_active_vote(user.id, proposal.id),
            votes_used=active_vote_count(user.id, proposal.consultation_id) if user else 0,
            reported=reported_comment_ids(user.id, proposal.id) if user else set(),
            vote_form=VoteForm(),
            comment_form=comment_form or CommentForm(formdata=None),
            report_form=ReportForm(formdata=None),
            reply_to=reply_to,
        ),
        status,
    )


@bp.route("/proposals/<int:proposal_id>")
def show(proposal_id):
    """Show one proposal with its vote count and comments."""
    return render_proposal(load_proposal(proposal_id))
