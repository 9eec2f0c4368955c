"""The public process page (timeline and results sheet), its CSV files, and the call for proposals."""
from flask import Blueprint, Response, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from aga_consulta.accounts.permissions import refuse_non_moderators, refuse_unless
from aga_consulta.calls import services as calls
from aga_consulta.calls.models import OgpValue
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.plan import commitments as plan_commitments, queries as plan_queries
from aga_consulta.proposals.models import SCOPES
from aga_consulta.processes import csvfile, services
from aga_consulta.processes.models import StepKind
from aga_consulta.surveys.services import csv_rows as survey_csv_rows
from aga_consulta.processes.labels import METRIC_LABELS, STATE_LABELS, STEP_LABELS
from aga_consulta.timeutil import utcnow
from aga_consulta.web import (
    current_actor, field_errors, keep_form, kept_values, or_404, refuse, results_limit, see_other, wants_json,
)

bp = Blueprint("processes", __name__)


@bp.app_context_processor
def process_labels():
    """Labels of step kinds, states and metrics, for every template that shows a process."""
    return {"step_label": lambda kind: STEP_LABELS.get(kind, kind),
            "step_state_label": lambda state: STATE_LABELS.get(state, state),
            "metric_label": lambda kind, metric: METRIC_LABELS.get((kind, metric), metric)}


@bp.route("/processes/<slug>")
@results_limit
def show(slug):
    """Show a process's timeline (published in advance) and its results sheet."""
    process = or_404(services.get_by_slug(slug))
    return render_template("processes/show.html", process=process, now=utcnow(), **services.overview(process))


def _csv(process, name, columns, rows):
    response = Response(csvfile.to_csv(columns, rows), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"{process.slug}-{name}.csv")
    return response


@bp.route("/processes/<slug>/export/<name>.csv")
@results_limit
def export(slug, name):
    """Download one of the process's public CSV files (aggregates only, no personal data)."""
    process = or_404(services.get_by_slug(slug))
    if name == "results_sheet":
        return _csv(process, name, ("step", "metric", "value"), services.results_sheet(process))
    if name == "survey":
        survey = services.process_survey(process)
        return _csv(process, name, ("question", "option", "responses"), survey_csv_rows(survey) if survey else [])
    if name == "events":
        return _csv(process, name, ("event", "step", "kind", "theme", "starts_at", "place", "attendees", "notes_published"),
                    services.event_rows(process))
    if name in PLAN_EXPORTS:
        published = or_404(plan_commitments.plan_of(process.id))
        if name == "progress_reports":
            start, end = _period(published)
            return _csv(process, name, plan_queries.REPORT_COLUMNS, plan_queries.report_rows(published, start, end))
        columns, rows = PLAN_EXPORTS[name]
        return _csv(process, name, columns, rows(published))
    abort(404)


#: The plan's public CSV files: columns and row function (progress_reports takes a period too).
PLAN_EXPORTS = {
    "commitments": (plan_queries.COMMITMENT_COLUMNS, plan_queries.commitment_rows),
    "milestones": (plan_queries.MILESTONE_COLUMNS, plan_queries.milestone_rows),
    "progress_reports": (plan_queries.REPORT_COLUMNS, None),
}


def _period(published):
    """The `from`/`to` query dates (the plan's period when absent); 400 when malformed."""
    try:
        return plan_queries.parse_period(request.args.get("from"), request.args.get("to"), published)
    except DomainError as error:
        abort(400, description=str(error.message))


def _plan_filters():
    """The tracker's filters from the query string; 400 for a value no filter offers."""
    scope = request.args.get("scope", "")
    department = request.args.get("department", "")
    institution = request.args.get("institution", "")
    if (scope and scope not in SCOPES) or (department and not (len(department) == 2 and department.isdigit())) \
            or len(institution) > 200:
        abort(400)
    return {"scope": scope or None, "department": department or None, "institution": institution or None}


@bp.route("/processes/<slug>/plan")
def plan_page(slug):
    """The published plan: its commitments with completion levels and a milestone timeline, filterable."""
    return _plan_page(or_404(services.get_by_slug(slug)))


def _plan_page(process, values=None, errors=None, status=200):
    """The plan page; before the plan exists, its publish form (with what was typed and its errors)."""
    published = plan_commitments.plan_of(process.id)
    filters = _plan_filters()
    page = request.args.get("page", "1")
    if not page.isdigit() or not 0 < int(page) < 10**6:
        abort(400)
    page, per_page = int(page), current_app.config["COMMITMENTS_PER_PAGE"]
    today = utcnow().date()
    items, total = plan_queries.tracker_page(published, page=page, per_page=per_page, today=today, **filters) \
        if published is not None else ([], 0)
    institutions, departments = plan_queries.filter_options(published) if published is not None else ([], [])
    return render_template("plan/plan.html", process=process, plan=published, items=items, filters=filters,
                           institutions=institutions, department_codes=departments, today=today, total=total,
                           page=page, pages=max(1, -(-total // per_page)),
                           page_args={key: value for key, value in filters.items() if value},
                           counts=plan_queries.completion_counts(published.id) if published is not None else None,
                           selection=step_of_selection(process), values=values or {}, errors=errors or {}), status


def step_of_selection(process):
    """The process's selection step (its consultation's selected proposals become commitments), or None."""
    return services.step_of(process, StepKind.SELECTION)


@bp.route("/processes/<slug>/plan/report")
def plan_report(slug):
    """The periodic progress report for a date range (`from`, `to`): a printable page."""
    process = or_404(services.get_by_slug(slug))
    published = or_404(plan_commitments.plan_of(process.id))
    start, end = _period(published)
    return render_template("plan/report.html", process=process, plan=published,
                           report=plan_queries.period_report(published, start, end))


@bp.route("/processes/<slug>/plan", methods=["POST"])
def publish_plan(slug):
    """A moderator publishes the process's plan: the selected proposals become its commitments."""
    refusal = refuse_non_moderators()
    if refusal is not None:
        return refusal
    process = or_404(services.get_by_slug(slug))
    selection = step_of_selection(process)
    try:
        plan_commitments.publish_plan(current_actor(), process.id, title=request.form.get("title"),
                                      starts_on=request.form.get("starts_on"), ends_on=request.form.get("ends_on"),
                                      consultation=selection.consultation if selection else None)
    except DomainError as error:
        if isinstance(error, ValidationFailed) and not wants_json():
            # The plan's page is also this form's GET address: it comes back with what was
            # typed and the message beside its field.
            return _plan_page(process, values=request.form, errors=field_errors(error), status=400)
        return refuse(error, url_for(".plan_page", slug=process.slug))
    flash(_("Plan publicado."), "success")
    return see_other(".plan_page", slug=process.slug)


#: Empty milestone rows the call's form offers.
MILESTONE_ROWS = 3


def _call_step(slug):
    process = or_404(services.get_by_slug(slug))
    return process, or_404(services.step_of(process, StepKind.CALL_FOR_PROPOSALS))


def _call_page(process, step, values=None, errors=None, status=200):
    user = current_user if current_user.is_authenticated else None
    own = calls.submissions_of_step(step.id, user.id) if user is not None and user.is_institution else []
    every = calls.submissions_of_step(step.id)
    # A refused decision comes back (303) with its reason typed and the message beside it.
    decision_values, decision_errors = kept_values(f"call-decision-{step.id}")
    return render_template("processes/call.html", process=process, step=step, own=own, submissions=every,
                           values=values or {}, errors=errors or {}, ogp_values=tuple(OgpValue),
                           decision_values=decision_values, decision_errors=decision_errors,
                           milestone_rows=MILESTONE_ROWS, now=utcnow()), status


@bp.route("/processes/<slug>/call")
def call(slug):
    """The call for commitment proposals: its window, the decisions, and the institutions' form."""
    process, step = _call_step(slug)
    return _call_page(process, step)


def _milestones_from_form(form):
    return [{"deliverable": form.get(f"milestone_{n}_deliverable"), "starts_on": form.get(f"milestone_{n}_starts_on"),
             "ends_on": form.get(f"milestone_{n}_ends_on")} for n in range(1, MILESTONE_ROWS + 1)]


@bp.route("/processes/<slug>/call", methods=["POST"])
def submit_to_call(slug):
    """An institution submits a proposal on the OGP template (or corrects a returned one)."""
    refusal = refuse_unless(lambda user: user.is_institution)
    if refusal is not None:
        return refusal
    process, step = _call_step(slug)
    form = request.form
    values = {name: form.get(name) for name in ("title", "starts_on", "ends_on", *calls.REQUIRED_TEXTS,
                                                *calls.OPTIONAL_TEXTS)}
    values["ogp_values"] = form.getlist("ogp_values")
    submission = None
    if form.get("submission_id"):
        submission = or_404(calls.get_submission(int(form["submission_id"])) if form["submission_id"].isdigit()
                            and len(form["submission_id"]) < 10 else None)
    try:
        calls.submit(current_actor(), step, values, _milestones_from_form(form), submission=submission,
                     institution_name=form.get("institution"))
    except DomainError as error:
        if isinstance(error, ValidationFailed) and not wants_json():
            # The page is also the form's GET address: it comes back with what was typed and
            # the message beside its field (nothing was stored).
            return _call_page(process, step, values=form, errors=field_errors(error), status=400)
        return refuse(error, url_for(".call", slug=process.slug))
    flash(_("Propuesta recibida: el equipo moderador la revisará."), "success")
    return see_other(".call", slug=process.slug)


@bp.route("/processes/<slug>/call/<int:submission_id>/decision", methods=["POST"])
def decide(slug, submission_id):
    """A moderator returns a submission for changes, accepts it into the consultation, or rejects it."""
    refusal = refuse_non_moderators()
    if refusal is not None:
        return refusal
    process, step = _call_step(slug)
    submission = calls.get_submission(submission_id) if submission_id < 10**9 else None
    if submission is None or submission.step_id != step.id:
        abort(404)
    action, reason = request.form.get("action"), request.form.get("reason")
    consultation_step = services.step_of(process, StepKind.CONSULTATION)
    try:
        if action == "return":
            calls.return_for_changes(current_actor(), submission, reason)
            flash(_("Propuesta devuelta para cambios."), "success")
        elif action == "accept":
            proposal = calls.accept(current_actor(), submission,
                                    consultation_step.consultation if consultation_step else None)
            flash(_("Propuesta aceptada en la consulta como %(code)s.", code=proposal.code), "success")
        elif action == "reject":
            calls.reject(current_actor(), submission, reason)
            flash(_("Propuesta rechazada."), "success")
        else:
            abort(400)
    except DomainError as error:
        if isinstance(error, ValidationFailed) and not wants_json():
            keep_form(f"call-decision-{step.id}", errors={f"reason-{submission.id}": [str(error.message)]})
            return see_other(".call", slug=process.slug, _anchor=f"reason-{submission.id}")
        return refuse(error, url_for(".call", slug=process.slug))
    return see_other(".call", slug=process.slug)
