"""Comment, reply and report routes."""
from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aga_consulta.comments import services
from aga_consulta.comments.forms import CommentForm, ReportForm
from aga_consulta.comments.models import Comment
from aga_consulta.errors import DomainError
from aga_consulta.extensions import db, limiter
from aga_consulta.proposals.routes import MAX_ID, get_or_404, load_proposal, render_proposal
from aga_consulta.voting.routes import citizen_key

bp = Blueprint("comments", __name__)


@bp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["COMMENT_RATE_LIMIT"], key_func=citizen_key)
def create(proposal_id):
    """Publish a comment or a reply on a proposal."""
    proposal = load_proposal(proposal_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Revisa tu comentario: no se publicó."), "error")
        return render_proposal(proposal, status=400, comment_form=form)
    parent = None
    if form.parent_id.data:
        parent_id = int(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id <= MAX_ID else None
        if parent is None or parent.proposal_id != proposal.id:
            flash(_("Solo puedes responder a un comentario visible de esta propuesta."), "error")
            return render_proposal(proposal, status=400, comment_form=form)
    try:
        comment = services.add_comment(current_user._get_current_object(), proposal, form.body.data, parent=parent)
    except DomainError as error:
        flash(error.message, "error")
        return render_proposal(proposal, status=error.status, comment_form=form)
    flash(_("Tu comentario fue publicado."), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id, _anchor=f"comment-{comment.id}"), code=303)


@bp.route("/comments/<int:comment_id>/report", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["REPORT_RATE_LIMIT"], key_func=citizen_key)
def report(comment_id):
    """Report an abusive comment to the moderators."""
    comment = get_or_404(Comment, comment_id)
    if not comment.is_visible:
        abort(404)
    proposal = comment.proposal
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Escribe el motivo del reporte (entre 3 y 500 caracteres)."), "error")
        return render_proposal(proposal, status=400)
    try:
        services.report_comment(current_user._get_current_object(), comment, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        return render_proposal(proposal, status=error.status)
    flash(_("Gracias por tu reporte. El equipo moderador lo revisará."), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id, _anchor=f"comment-{comment.id}"), code=303)
