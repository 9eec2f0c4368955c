"""The public pages that bring several domains together: home, a consultation's proposals,
a proposal with its votes and comments, the citizen's own page; plus the health check and
the language switch."""
import json
import secrets

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from aga_consulta.accounts import roles as staff_roles
from aga_consulta.accounts.permissions import SpeaksForAnInstitution, speaks_for_themselves
from aga_consulta.comments.forms import REPORT_KEY, CommentForm, ReportForm
from aga_consulta.comments.services import thread_and_reports
from aga_consulta.consultations import services as consultations
from aga_consulta.extensions import db
from aga_consulta.i18n import vocabulary
from aga_consulta.portal import services
from aga_consulta.portal.forms import LanguageForm, ProposalFilterForm
from aga_consulta.processes import origins as proposal_origins
from aga_consulta.processes import services as processes
from aga_consulta.proposals import services as proposals
from aga_consulta.proposals import workflow
from aga_consulta.security import is_safe_next
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.forms import VoteForm
from aga_consulta.voting.services import accepts_votes, voted_proposal_ids
from aga_consulta.web import MAX_ID, kept_values, or_404

bp = Blueprint("portal", __name__)


@bp.route("/")
def index():
    """The home page: what is open now and until when, the processes' timelines, the figures, how to take part."""
    now = utcnow()
    consultation_list = consultations.list_current(now)
    process_list = processes.list_processes()
    open_consultations, open_steps = services.open_now(consultation_list, process_list, now)
    figures = services.cached_headline_figures(
        current_app.extensions.setdefault("aga_home", {}), now, current_app.config["HOME_FIGURES_TTL"])
    return render_template("main/index.html", consultations=consultation_list, processes=process_list, now=now,
                           open_consultations=open_consultations, open_steps=open_steps, figures=figures,
                           upcoming=[c for c in consultation_list if c.phase(now) == "upcoming"],
                           practice=processes.practice_consultation_ids())


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the visitor's language choice and go back where they were."""
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for(".index"), code=303)


@bp.route("/healthz")
def healthz():
    """Report whether the app and its database answer (503 when the database does not)."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001  any driver error means "database unreachable"
        current_app.logger.error("health check: database unreachable")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            pass
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.app_context_processor
def language_form():
    """Give every page the language switch form and an endpoint check for optional links."""
    return {
        "language_form": LanguageForm(formdata=None, next=request.full_path.rstrip("?")),
        "has_endpoint": lambda name: name in current_app.view_functions,
    }


def _visitor_seed():
    # One seed per visitor: the random order stays put while they page and come back.
    if "order_seed" not in session:
        session["order_seed"] = secrets.token_hex(8)
    return session["order_seed"]


@bp.route("/consultations/<slug>")
def consultation(slug):
    """List a consultation's proposals with a text search, filters and sort."""
    consultation, process = or_404(processes.consultation_and_process(slug))
    form = ProposalFilterForm(request.args)
    departments, themes = proposals.filter_choices(consultation)
    form.department.choices += [(code, vocabulary(name)) for code, name in departments]
    form.theme.choices += [(slug, vocabulary(name)) for slug, name in themes]
    if not form.validate():
        # Hostile or stale query values are refused, never passed on to SQL.
        abort(400)
    page = form.page.data or 1
    per_page = current_app.config["PROPOSALS_PER_PAGE"]
    rows, total = services.list_proposals(
        consultation,
        scope=form.scope.data or None,
        department=form.department.data or None,
        theme=form.theme.data or None,
        search=form.q.data or "",
        sort=form.sort.data or "votes",
        seed=_visitor_seed() if form.sort.data == "random" else "",
        page=page,
        per_page=per_page,
    )
    pages = max(1, -(-total // per_page))
    if page > pages:
        abort(404)
    # Every active vote of the citizen here: the cards' marks, and their number is the votes used.
    voted = voted_proposal_ids(current_user.id, consultation.id) if current_user.is_authenticated else set()
    args = {k: v for k, v in request.args.items() if k != "page" and k in form._fields and v}
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        process=process,
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_args=args,
        filtered=bool(args.keys() - {"sort"}),
        # The folded filters open when one of them is set, not for a search alone.
        filters_open=bool(args.keys() & {"scope", "department", "theme", "sort"}),
        voted=voted,
        votes_used=len(voted),
        accepts_votes=accepts_votes,
        vote_form=VoteForm(),
        here=request.full_path.rstrip("?"),
    )


@bp.route("/proposals/<int:proposal_id>")
def proposal(proposal_id):
    """Show one proposal with its vote count and comments (and a refused comment's draft)."""
    # One statement for the proposal, its consultation, its counts, the call submission and,
    # for a citizen, their votes; one for the thread with what they reported; the survey
    # themes and workshops only when it has some (at most five, the session user included).
    if not 0 < proposal_id <= MAX_ID:
        abort(404)
    user = current_user if current_user.is_authenticated else None
    proposal, votes, comments, submission, has_themes, has_events, has_voted, votes_used = or_404(
        services.proposal_page(proposal_id, user.id if user else None))
    origins = proposal_origins.origins(proposal, themes=has_themes, events=has_events, submission=submission)
    thread, reported = thread_and_reports(proposal.id, user)
    comment_form = CommentForm(formdata=None)
    draft = session.pop("comment_draft", None) if "comment_draft" in session else None
    if draft and draft.get("proposal_id") == proposal.id:
        # A refused comment comes back here (303) with what the person wrote and why.
        comment_form.body.data = draft.get("body", "")
        comment_form.parent_id.data = draft.get("parent_id") or ""
        comment_form.body.errors = list(draft.get("errors", []))
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        consultation=proposal.consultation,
        is_open=proposal.consultation.is_open(),
        accepts_votes=accepts_votes(proposal),
        votes=votes,
        comment_count=comments,
        thread=thread,
        has_voted=has_voted,
        votes_used=votes_used,
        reported=reported,
        vote_form=VoteForm(),
        comment_form=comment_form,
        report_form=ReportForm(formdata=None),
        # A refused report comes back (303) with its reason and the message beside its box.
        **dict(zip(("report_values", "report_errors"), kept_values(REPORT_KEY))),
        reply_to=request.args.get("reply_to", type=int),
        staff_badge=staff_roles.staff_badge,
        submission=origins["submission"],
        origins=origins,
        # An institution account sees why it has no vote or comment form (the services refuse it too).
        institution_note=SpeaksForAnInstitution.message if user and not speaks_for_themselves(user) else None,
    )


@bp.route("/consultations/<slug>/decisions")
def decisions(slug):
    """The public selection log: every status decision with its reason and date, by role."""
    consultation = or_404(consultations.get_by_slug(slug))
    return render_template("moderation/decisions.html", consultation=consultation,
                           decisions=workflow.decisions_for_consultation(consultation))


@bp.route("/me")
@login_required
def me():
    """My participation: my votes and comments across consultations, my data and what I may do with it."""
    return render_template("accounts/me.html", receipts=services.my_receipts(current_user.id),
                           **services.my_participation(current_user.id))


def _my_download(body, mimetype, extension):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="mis-datos.{extension}"'
    # Personal data: no shared cache or browser history keeps a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/data.json")
@login_required
def my_data_json():
    """Download everything the platform holds about me, as JSON."""
    data = services.my_data(current_user)
    return _my_download(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "application/json", "json")


@bp.route("/me/data.csv")
@login_required
def my_data_csv():
    """Download the same, as CSV (one row per value)."""
    return _my_download(services.my_data_csv(services.my_data(current_user)), "text/csv; charset=utf-8", "csv")


def _public_receipt(item):
    return {name: value for name, value in item.items() if name != "id"}


@bp.route("/me/receipts.json")
@login_required
def my_receipts():
    """My receipts: each vote, withdrawal and comment with its log entry and signed promise."""
    return jsonify([_public_receipt(item) for item in services.my_receipts(current_user.id)])


@bp.route("/me/receipts/<int:receipt_id>.json")
@login_required
def my_receipt(receipt_id):
    """One receipt as a file, for `verify.py BUNDLE --receipt FILE`."""
    found = [item for item in services.my_receipts(current_user.id) if item["id"] == receipt_id]
    if not found:
        abort(404)
    response = jsonify(_public_receipt(found[0]))
    response.headers["Content-Disposition"] = f"attachment; filename=receipt-{found[0]['consultation']}-{receipt_id}.json"
    return response
