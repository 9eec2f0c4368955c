"""Vote and withdraw routes."""
from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import login_required

from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.services import with_consultation
from aga_consulta.voting import services
from aga_consulta.web import citizen_key, config_limit, current_actor, get_or_404, redirect_back, refuse

bp = Blueprint("voting", __name__)


def _act(proposal_id, service, success_message, category):
    # Vote and withdraw differ only in the service called and the message shown.
    proposal = get_or_404(Proposal, proposal_id, options=with_consultation())
    # The id from the URL: after the service's commit the proposal object is expired, and
    # reading its id would cost one more query on every vote.
    back = url_for("portal.proposal", proposal_id=proposal_id)
    try:
        service(current_actor(), proposal)
    except DomainError as error:
        return refuse(error, back)
    flash(success_message, category)
    return redirect_back(back)


@bp.route("/proposals/<int:proposal_id>/vote", methods=["POST"])
@login_required
@limiter.limit(config_limit("VOTE_RATE_LIMIT"), key_func=citizen_key)
def vote(proposal_id):
    """Cast the current citizen's vote for a proposal."""
    return _act(
        proposal_id,
        services.cast_vote,
        _("Tu voto quedó registrado. Puedes retirarlo mientras la consulta esté abierta."),
        "success",
    )


@bp.route("/proposals/<int:proposal_id>/unvote", methods=["POST"])
@login_required
@limiter.limit(config_limit("VOTE_RATE_LIMIT"), key_func=citizen_key)
def unvote(proposal_id):
    """Withdraw the current citizen's vote for a proposal."""
    return _act(proposal_id, services.withdraw_vote, _("Retiraste tu voto."), "info")
