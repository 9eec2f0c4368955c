"""Consultation pages."""
import secrets

from flask import Blueprint, abort, current_app, render_template, request, session
from flask_login import current_user

from aga_consulta.consultations.forms import ProposalFilterForm
from aga_consulta.consultations.services import get_by_slug
from aga_consulta.proposals import services as proposals
from aga_consulta.voting.services import active_vote_count, voted_proposal_ids

bp = Blueprint("consultations", __name__)


def load_consultation(slug):
    """Return the consultation or abort with 404."""
    consultation = get_by_slug(slug)
    if consultation is None:
        abort(404)
    return consultation


def _visitor_seed():
    # One seed per visitor: the random order stays put while they page and come back.
    if "order_seed" not in session:
        session["order_seed"] = secrets.token_hex(8)
    return session["order_seed"]


@bp.route("/consultations/<slug>")
def show(slug):
    """List a consultation's proposals with filters and sort."""
    consultation = load_consultation(slug)
    form = ProposalFilterForm(request.args)
    departments = proposals.departments_in(consultation)
    themes = proposals.themes_in(consultation)
    form.department.choices += departments
    form.theme.choices += [(t.slug, t.name) for t in themes]
    if not form.validate():
        # Hostile or stale query values are refused, never passed on to SQL.
        abort(400)
    page = form.page.data or 1
    per_page = current_app.config["PROPOSALS_PER_PAGE"]
    rows, total = proposals.list_proposals(
        consultation,
        scope=form.scope.data or None,
        department=form.department.data or None,
        theme=form.theme.data or None,
        sort=form.sort.data or "votes",
        seed=_visitor_seed() if form.sort.data == "random" else "",
        page=page,
        per_page=per_page,
    )
    pages = max(1, -(-total // per_page))
    if page > pages:
        abort(404)
    voted, used = set(), 0
    if current_user.is_authenticated:
        voted = voted_proposal_ids(current_user.id, consultation.id)
        used = active_vote_count(current_user.id, consultation.id)
    args = {k: v for k, v in request.args.items() if k != "page" and k in form._fields}
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_args=args,
        voted=voted,
        votes_used=used,
    )
