"""The public process page (timeline and results sheet) and its CSV files."""
from flask import Blueprint, Response, abort, render_template

from aga_consulta.processes import csvfile, services
from aga_consulta.surveys.services import csv_rows as survey_csv_rows
from aga_consulta.processes.labels import METRIC_LABELS, STATE_LABELS, STEP_LABELS
from aga_consulta.timeutil import utcnow
from aga_consulta.web import or_404, results_limit

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
    tally = services.compute_process_tally(process)
    return render_template("processes/show.html", process=process, tally=tally, survey=services.process_survey(process),
                           events=dict((step.id, events) for step, events in services.process_events(process)),
                           sheet=services.results_sheet(process, tally), now=utcnow())


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
    abort(404)
