"""Comment, reply and report routes."""
import json

from flask import Blueprint, abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import login_required

from aga_consulta.comments import services
from aga_consulta.comments.forms import REPORT_KEY, CommentForm, ReportForm
from aga_consulta.comments.models import Comment
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db, limiter
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.services import with_consultation
from aga_consulta.web import (
    MAX_ID, citizen_key, config_limit, current_actor, get_or_404, keep_form, refuse, see_other, wants_json,
)

bp = Blueprint("comments", __name__)

#: Largest draft (as JSON) kept for the person after a refusal: the session cookie that
#: carries it must stay under the browsers' 4 KB, whatever the text's alphabet.
DRAFT_MAX_JSON = 2400


def _refuse_comment(error, proposal_id, form):
    # The person's text comes back with the page, beside the reason it was refused.
    body = form.body.data or ""
    if len(json.dumps(body)) <= DRAFT_MAX_JSON:
        session["comment_draft"] = {
            "proposal_id": proposal_id,
            "body": body,
            "parent_id": form.parent_id.data or "",
            "errors": [str(error.message)],
        }
    if form.parent_id.data:
        back = url_for("portal.proposal", proposal_id=proposal_id, reply_to=form.parent_id.data,
                       _anchor=f"reply-{form.parent_id.data}")
    else:
        back = url_for("portal.proposal", proposal_id=proposal_id, _anchor="comment-form")
    return refuse(error, back)


@bp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@login_required
@limiter.limit(config_limit("COMMENT_RATE_LIMIT"), key_func=citizen_key)
def create(proposal_id):
    """Publish a comment or a reply on a proposal."""
    proposal = get_or_404(Proposal, proposal_id, options=with_consultation())
    form = CommentForm()
    if not form.validate_on_submit():
        messages = [str(m) for m in form.body.errors + form.parent_id.errors]
        return _refuse_comment(ValidationFailed(" ".join(messages) or _("Revisa tu comentario: no se publicó.")),
                               proposal_id, form)
    parent = None
    if form.parent_id.data:
        parent_id = int(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id <= MAX_ID else None
        if parent is None or parent.proposal_id != proposal.id:
            error = ValidationFailed(_("Solo puedes responder a un comentario visible de esta propuesta."))
            return _refuse_comment(error, proposal_id, form)
    try:
        comment = services.add_comment(current_actor(), proposal, form.body.data, parent=parent)
    except DomainError as error:
        return _refuse_comment(error, proposal_id, form)
    flash(_("Tu comentario fue publicado."), "success")
    return see_other("portal.proposal", proposal_id=proposal_id, _anchor=f"comment-{comment.id}")


@bp.route("/comments/<int:comment_id>/report", methods=["POST"])
@login_required
@limiter.limit(config_limit("REPORT_RATE_LIMIT"), key_func=citizen_key)
def report(comment_id):
    """Report an abusive comment to the moderators."""
    comment = get_or_404(Comment, comment_id)
    if not comment.is_visible:
        abort(404)
    back = _comment_page(comment)
    form = ReportForm()
    if not form.validate_on_submit():
        return _refuse_report(ValidationFailed(_("Escribe el motivo del reporte (entre 3 y 500 caracteres).")),
                              comment, back)
    try:
        services.report_comment(current_actor(), comment, form.reason.data)
    except DomainError as error:
        return _refuse_report(error, comment, back)
    flash(_("Gracias por tu reporte. El equipo moderador lo revisará."), "success")
    return redirect(back, code=303)


def _refuse_report(error, comment, back):
    """Back to the comment (303) with the reason typed and the message beside its box; the
    errors are keyed by the comment's id (each page names its box its own way)."""
    if not isinstance(error, ValidationFailed) or wants_json():
        return refuse(error, back)
    keep_form(REPORT_KEY, errors={str(comment.id): [str(error.message)]})
    return redirect(back, code=303)


def _comment_page(comment):
    """The address of the comment on its proposal's or commitment's page."""
    if comment.commitment_id is not None:
        return url_for("plan.commitment", commitment_id=comment.commitment_id, _anchor=f"comment-{comment.id}")
    return url_for("portal.proposal", proposal_id=comment.proposal_id, _anchor=f"comment-{comment.id}")
