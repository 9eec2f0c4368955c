"""Vote and withdraw routes."""
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.proposals.routes import load_proposal, render_proposal
from aga_consulta.security import is_safe_next
from aga_consulta.voting import services

bp = Blueprint("voting", __name__)


def citizen_key():
    """Rate-limit key: the citizen, not the address (many citizens share one)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def _back(proposal_id):
    # The id from the URL: after the service's commit the proposal object is expired, and
    # reading its id would cost one more query on every vote.
    target = request.form.get("next", "")
    return target if is_safe_next(target) else url_for("proposals.show", proposal_id=proposal_id)


def _act(proposal_id, service, success_message, category):
    # Vote and withdraw differ only in the service called and the message shown.
    proposal = load_proposal(proposal_id)
    try:
        service(current_user._get_current_object(), proposal)
    except DomainError as error:
        flash(error.message, "error")
        return render_proposal(proposal, status=error.status)
    flash(success_message, category)
    return redirect(_back(proposal_id), code=303)


@bp.route("/proposals/<int:proposal_id>/vote", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["VOTE_RATE_LIMIT"], key_func=citizen_key)
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
@limiter.limit(lambda: current_app.config["VOTE_RATE_LIMIT"], key_func=citizen_key)
def unvote(proposal_id):
    """Withdraw the current citizen's vote for a proposal."""
    return _act(proposal_id, services.withdraw_vote, _("Retiraste tu voto."), "info")
