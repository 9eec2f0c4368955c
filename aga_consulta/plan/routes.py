"""A commitment's public page, its comments, progress reports, evidence, and the moderators' screens.

The plan's own page (`/processes/<slug>/plan`) and its CSV files live with the process
(aga_consulta/processes/routes.py), which knows processes by slug; these pages know
commitments by id.
"""
import functools
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aga_consulta import uploads
from aga_consulta.accounts.permissions import refuse_non_moderators, refuse_unless
from aga_consulta.calls.models import OgpValue
from aga_consulta.comments import services as comments
from aga_consulta.comments.forms import REPORT_KEY
from aga_consulta.comments.models import Comment
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db, limiter
from aga_consulta.i18n import local_day, vocabulary
from aga_consulta.plan import commitments, milestones, reports
from aga_consulta.plan.labels import LEVEL_LABELS, MILESTONE_LABELS, OGP_VALUE_LABELS, REPORT_LABELS
from aga_consulta.plan.models import COMPLETION_LEVELS, MILESTONE_STATES, Plan, PlanMilestone
from aga_consulta.territory.divipola import DEPARTMENTS, department_choices
from aga_consulta.timeutil import utcnow
from aga_consulta.web import (
    MAX_ID, citizen_key, config_limit, current_actor, field_errors, get_or_404, keep_form, kept_key, kept_values,
    or_404, refuse, see_other, wants_json,
)

bp = Blueprint("plan", __name__)
moderator_bp = Blueprint("plan_moderation", __name__, url_prefix="/moderation/plan")

#: Empty evidence rows the progress form offers.
LINK_ROWS = 3
FILE_ROWS = 2


@bp.app_context_processor
def plan_labels():
    """Labels of completion levels, milestone states, report statuses and OGP values, and a date format.

    A plan's page shows hundreds of milestones: each label is translated and each date
    formatted once per page, not once per use.
    """
    levels = {key: str(value) for key, value in LEVEL_LABELS.items()}
    states = {key: str(value) for key, value in MILESTONE_LABELS.items()}
    dates = {}

    def plan_date(day):
        if day not in dates:
            dates[day] = local_day(day)
        return dates[day]

    return {"level_label": lambda level: levels.get(level, level),
            "milestone_label": lambda state: states.get(state, state),
            "report_label": lambda status: REPORT_LABELS.get(status, status),
            "ogp_value_label": lambda value: OGP_VALUE_LABELS.get(value, value),
            "department_name": lambda code: vocabulary(DEPARTMENTS.get(code, code)), "plan_date": plan_date}


def _commitment_or_404(commitment_id):
    return or_404(commitments.get_commitment(commitment_id))


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.route("/commitments/<int:commitment_id>")
def commitment(commitment_id):
    """A commitment: its template fields, milestones, published history, evidence and comments."""
    item = _commitment_or_404(commitment_id)
    viewer = _viewer()
    # A refused comment comes back here (303) with what the person wrote and why.
    comment_values, comment_errors = kept_values(_comment_key(item))
    return render_template("plan/commitment.html", commitment=item, plan=item.plan, history=reports.history(item.id),
                           comment_values=comment_values, comment_errors=comment_errors,
                           **dict(zip(("report_values", "report_errors"), kept_values(REPORT_KEY))),
                           thread=comments.visible_thread(None, viewer, commitment_id=item.id),
                           may_report=reports.may_report(viewer, item), today=utcnow().date())


@bp.route("/commitments/<int:commitment_id>/comments", methods=["POST"])
@login_required
@limiter.limit(config_limit("COMMENT_RATE_LIMIT"), key_func=citizen_key)
def comment(commitment_id):
    """A citizen comments on a commitment (or replies to a comment on it)."""
    item = _commitment_or_404(commitment_id)
    parent = None
    parent_id = request.form.get("parent_id", "")
    if parent_id:
        parent = db.session.get(Comment, int(parent_id)) if parent_id.isdigit() and int(parent_id) <= MAX_ID else None
        if parent is None:
            return _refuse_comment(ValidationFailed(_("Solo puedes responder a un comentario visible de este compromiso.")),
                                   item, None)
    try:
        made = comments.add_commitment_comment(current_actor(), item, request.form.get("body", ""), parent=parent)
    except DomainError as error:
        return _refuse_comment(error, item, parent.id if parent is not None else None)
    flash(_("Tu comentario fue publicado."), "success")
    return see_other(".commitment", commitment_id=item.id, _anchor=f"comment-{made.id}")


def _comment_key(item):
    return f"commitment-comment-{item.id}"


def _refuse_comment(error, item, parent_id):
    """Back to the commitment (303) with the text and the message beside the box it was typed in."""
    anchor = f"reply-{parent_id}" if parent_id else "body"
    if wants_json():
        return refuse(error, url_for(".commitment", commitment_id=item.id, _anchor=anchor))
    keep_form(_comment_key(item), errors={anchor: [str(error.message)]})
    return see_other(".commitment", commitment_id=item.id, _anchor=anchor)


def _reporter_only(view):
    """Refuse anyone but the commitment's lead institution and moderators, before reading any upload."""

    @functools.wraps(view)
    def wrapper(commitment_id):
        item = _commitment_or_404(commitment_id)
        refusal = refuse_unless(lambda user: reports.may_report(user, item))
        return refusal if refusal is not None else view(item)

    return wrapper


def _progress_page(item, values=None, errors=None, status=200):
    return render_template("plan/progress.html", commitment=item, plan=item.plan, values=values, errors=errors or {},
                           reports=reports.reports_of(item.id), levels=COMPLETION_LEVELS, states=MILESTONE_STATES,
                           link_rows=LINK_ROWS, file_rows=FILE_ROWS,
                           max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)), status


@bp.route("/commitments/<int:commitment_id>/progress")
@_reporter_only
def progress(item):
    """The progress-report form, and the reports still under review or sent back."""
    return _progress_page(item)


@bp.route("/commitments/<int:commitment_id>/progress", methods=["POST"])
@_reporter_only
@uploads.accepts_upload
def report_progress(item):
    """The lead institution (or a moderator) reports progress, with links and PDFs as evidence."""
    form = request.form
    states = {key.removeprefix("milestone_"): value for key, value in form.items() if key.startswith("milestone_")}
    files = [(f.stream, f.filename) for f in request.files.getlist("documents") if f and f.filename]
    try:
        reports.submit_report(current_actor(), item, reported_on=form.get("reported_on"),
                              completion=form.get("completion"), milestone_states=states,
                              narrative=form.get("narrative"), links=form.getlist("links"), files=files)
    except DomainError as error:
        if wants_json():
            return refuse(error, url_for(".progress", commitment_id=item.id))
        # The form's page is its GET address: it comes back with what was typed (files must be
        # chosen again: a browser never refills a file input) and the message beside its field.
        return _progress_page(item, values=form, errors=field_errors(error), status=error.status)
    flash(_("Reporte recibido: el equipo moderador lo revisará antes de publicarlo."), "success")
    return see_other(".progress", commitment_id=item.id)


@bp.route("/evidence/<int:evidence_id>")
def evidence(evidence_id):
    """Download an uploaded evidence document (public once its report is published)."""
    item = or_404(reports.get_evidence(evidence_id))
    if item.kind != "file" or not reports.may_see_report(_viewer(), reports.get_report(item.report_id)):
        abort(404)
    return uploads.send_pdf(uploads.upload_dir(), item.stored_name, item.download_name)


# The moderators' screens ---------------------------------------------------------------------

@moderator_bp.before_request
def _moderators_only():
    return refuse_non_moderators()


@moderator_bp.route("/")
def index():
    """Reports waiting for a decision, and every plan's commitments to edit."""
    plans = list(db.session.scalars(db.select(Plan).order_by(Plan.published_at.desc())))
    # A refused return comes back (303) with its reason typed and the message beside it.
    decision_values, decision_errors = kept_values("report-decision")
    return render_template("plan/moderation.html", reports=reports.pending_reports(), plans=plans,
                           decision_values=decision_values, decision_errors=decision_errors)


@moderator_bp.route("/reports/<int:report_id>/decision", methods=["POST"])
def decide(report_id):
    """Publish a report or send it back; a decision made from a stale page is refused (409)."""
    report = or_404(reports.get_report(report_id))
    action, version = request.form.get("action"), request.form.get("version")
    try:
        if action == "publish":
            reports.publish_report(current_actor(), report, version)
            flash(_("Reporte publicado."), "success")
        elif action == "return":
            reports.return_report(current_actor(), report, version, request.form.get("reason"))
            flash(_("Reporte devuelto a la institución."), "success")
        else:
            abort(400)
    except DomainError as error:
        if isinstance(error, ValidationFailed) and not wants_json():
            keep_form("report-decision", errors={f"reason-{report.id}": [str(error.message)]})
            return see_other(".index", _anchor=f"reason-{report.id}")
        return refuse(error, url_for(".index"))
    return see_other(".index")


def _template_values(form):
    values = {name: form.get(name) for name in ("title", "lead_institution", "starts_on", "ends_on", "problem",
                                                "baseline", "commitment", "expected_results", "contribution",
                                                "other_actors", "budget", "plan_links", "scope", "department_code",
                                                "municipality")}
    values["ogp_values"] = form.getlist("ogp_values")
    return values


def _edit_page(item, values=None, errors=None, status=200):
    return render_template("plan/commitment_form.html", commitment=item, plan=item.plan, values=values,
                           errors=errors or {}, ogp_values=tuple(OgpValue),
                           kept_milestones=_kept_milestones(item)), status


#: The template's milestone fields are the call form's rows. The new-commitment form has one
#: row with its own names; the edit form has none, and a milestone outside the commitment's
#: new dates is the fault of the date beside which its message sits.
NEW_FIELDS = {"milestone_1_deliverable": "deliverable", "milestone_1_starts_on": "milestone_starts_on",
              "milestone_1_ends_on": "milestone_ends_on"}


def _new_field(field):
    return NEW_FIELDS.get(field, field)


def _edit_field(field):
    return re.sub(r"^milestone_\d+_", "", field)


@moderator_bp.route("/commitments/<int:commitment_id>", methods=["GET", "POST"])
def edit_commitment(commitment_id):
    """Edit a commitment's template fields (refused with 409 when someone else saved first)."""
    item = _commitment_or_404(commitment_id)
    if request.method == "GET":
        return _edit_page(item)
    try:
        commitments.update_commitment(current_actor(), item, _template_values(request.form),
                                      request.form.get("version"))
    except DomainError as error:
        if wants_json():
            return refuse(error, url_for(".edit_commitment", commitment_id=item.id))
        db.session.rollback()
        if isinstance(error, ValidationFailed):
            return _edit_page(_commitment_or_404(commitment_id), values=request.form,
                              errors=field_errors(error, _edit_field), status=error.status)
        flash(error.message, "error")
        return _edit_page(_commitment_or_404(commitment_id), values=request.form, status=error.status)
    flash(_("Compromiso guardado."), "success")
    return see_other(".edit_commitment", commitment_id=item.id)


def _milestone_spec(form):
    return {name: form.get(name) for name in ("deliverable", "starts_on", "ends_on")}


#: A milestone form's inputs are "<name>-<milestone id>" ("-new" for the one that adds):
#: several such forms share the edit page.
MILESTONE_INPUTS = {"deliverable": "deliverable", "starts_on": "starts", "ends_on": "ends"}


def _milestone_key(suffix):
    return f"milestone-{suffix}"


def _refused_milestone(error, suffix, back):
    # A rule the form broke comes back (303) beside its field with what was typed; a stale
    # version or a permission says so at the top.
    if wants_json() or not isinstance(error, ValidationFailed):
        return refuse(error, back)
    keep_form(_milestone_key(suffix),
              errors=field_errors(error, lambda field: f"{MILESTONE_INPUTS.get(field, field)}-{suffix}"))
    return redirect(back, 303)


def _kept_milestones(item):
    """{suffix: (values, errors)} of the milestone form a refused POST kept for the edit page, if any."""
    key = kept_key()
    for suffix in ["new", *(m.id for m in item.milestones)]:
        if key == _milestone_key(suffix):
            return {suffix: kept_values(key)}
    return {}


@moderator_bp.route("/commitments/<int:commitment_id>/milestones", methods=["POST"])
def add_milestone(commitment_id):
    """Add a milestone to a commitment."""
    item = _commitment_or_404(commitment_id)
    try:
        milestones.add_milestone(current_actor(), item, _milestone_spec(request.form), request.form.get("version"))
    except DomainError as error:
        return _refused_milestone(error, "new", url_for(".edit_commitment", commitment_id=item.id,
                                                        _anchor="milestone-new"))
    flash(_("Hito agregado."), "success")
    return see_other(".edit_commitment", commitment_id=item.id, _anchor="milestones")


@moderator_bp.route("/milestones/<int:milestone_id>", methods=["POST"])
def edit_milestone(milestone_id):
    """Change a milestone's deliverable and dates."""
    milestone = get_or_404(PlanMilestone, milestone_id)
    back = url_for(".edit_commitment", commitment_id=milestone.commitment_id, _anchor=f"milestone-{milestone.id}")
    try:
        milestones.update_milestone(current_actor(), milestone, _milestone_spec(request.form),
                                    request.form.get("version"))
    except DomainError as error:
        return _refused_milestone(error, milestone.id, back)
    flash(_("Hito guardado."), "success")
    return see_other(".edit_commitment", commitment_id=milestone.commitment_id, _anchor=f"milestone-{milestone.id}")


@moderator_bp.route("/<int:plan_id>/commitments/new", methods=["GET", "POST"])
def new_commitment(plan_id):
    """Add a commitment to a plan directly, with its first milestone."""
    plan = get_or_404(Plan, plan_id)
    if request.method == "GET":
        return render_template("plan/commitment_new.html", plan=plan, values=None, errors={},
                               ogp_values=tuple(OgpValue), departments=department_choices())
    form = request.form
    try:
        first = {"deliverable": form.get("deliverable"), "starts_on": form.get("milestone_starts_on"),
                 "ends_on": form.get("milestone_ends_on")}
        made = commitments.add_commitment(current_actor(), plan, _template_values(form), [first])
    except DomainError as error:
        if wants_json():
            return refuse(error, url_for(".new_commitment", plan_id=plan.id))
        if isinstance(error, ValidationFailed):
            errors = field_errors(error, _new_field)
        else:
            errors = {None: [str(error.message)]}
        return render_template("plan/commitment_new.html", plan=plan, values=form, errors=errors,
                               ogp_values=tuple(OgpValue), departments=department_choices()), error.status
    flash(_("Compromiso %(code)s agregado al plan.", code=made.code), "success")
    return see_other(".edit_commitment", commitment_id=made.id)
