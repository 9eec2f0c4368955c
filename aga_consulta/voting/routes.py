"""Vote and withdraw routes."""
from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.voting import services
from aga_consulta.web import MAX_ID, citizen_key, config_limit, redirect_back, refuse

bp = Blueprint("voting", __name__)


def _act(proposal_id, service, success_message, category):
    # Vote and withdraw differ only in the service called and the message shown. The
    # service finds the proposal in its own statements: no page object is loaded first.
    if not 0 < proposal_id <= MAX_ID:
        abort(404)
    back = url_for("portal.proposal", proposal_id=proposal_id)
    try:
        service(current_user, proposal_id)
    except services.ProposalNotFound:
        abort(404)
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
