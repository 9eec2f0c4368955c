"""Vote and withdraw routes."""
from flask import Blueprint, abort, url_for
from flask_login import current_user, login_required

from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.voting import services
from aga_consulta.web import MAX_ID, citizen_key, config_limit, redirect_back, refuse

bp = Blueprint("voting", __name__)


def _act(proposal_id, service):
    # Vote and withdraw differ only in the service called. The service finds the proposal
    # in its own statements: no page object is loaded first.
    # Success flashes nothing: the page it goes back to shows the vote from the database
    # ("Apoyas esta propuesta", the button to withdraw, the count), so neither this answer
    # nor the next page rewrites the session cookie. Refusals, rare, still say why.
    if not 0 < proposal_id <= MAX_ID:
        abort(404)
    try:
        service(current_user, proposal_id)
    except services.ProposalNotFound:
        abort(404)
    except DomainError as error:
        return refuse(error, url_for("portal.proposal", proposal_id=proposal_id))
    return redirect_back(url_for("portal.proposal", proposal_id=proposal_id, _anchor="vote-heading"))


@bp.route("/proposals/<int:proposal_id>/vote", methods=["POST"])
@login_required
@limiter.limit(config_limit("VOTE_RATE_LIMIT"), key_func=citizen_key)
def vote(proposal_id):
    """Cast the current citizen's vote for a proposal."""
    return _act(proposal_id, services.cast_vote)


@bp.route("/proposals/<int:proposal_id>/unvote", methods=["POST"])
@login_required
@limiter.limit(config_limit("VOTE_RATE_LIMIT"), key_func=citizen_key)
def unvote(proposal_id):
    """Withdraw the current citizen's vote for a proposal."""
    return _act(proposal_id, services.withdraw_vote)
