"""Staff screens of the co-creation cycle: processes and their steps, surveys, workshops and sessions.

Processes and surveys are an admin's (as their services require); events are any
moderator's. Every change goes through the domain's service, which audits it.
"""
from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _

from aga_consulta.accounts.permissions import admin_required, refuse_non_moderators
from aga_consulta.consultations import services as consultations
from aga_consulta.errors import DomainError
from aga_consulta.events import services as events
from aga_consulta.events.models import Event
from aga_consulta.moderation.forms import STEP_ORDER, EventForm, ProcessEditForm, ProcessForm, SurveyForm
from aga_consulta.processes import services as processes
from aga_consulta.processes.models import StepKind
from aga_consulta.surveys import services as surveys
from aga_consulta.web import current_actor, get_or_404, or_404, see_other

bp = Blueprint("cocreation_admin", __name__, url_prefix="/moderation")


@bp.before_request
def require_moderator():
    """Every screen here is staff-only: anonymous visitors log in first, citizens get 403."""
    return refuse_non_moderators()


def _load_process(slug):
    return or_404(processes.get_by_slug(slug))


@bp.route("/processes")
def process_list():
    """Every process with its steps, and the links to edit them and their surveys and events."""
    listed = processes.list_processes()
    return render_template("moderation/processes.html", processes=listed,
                           surveys={p.id: processes.process_survey(p) for p in listed},
                           events={p.id: processes.process_events(p) for p in listed})


def _consultation_choices(form):
    form.consultation.choices = [("", _("Ninguna"))] + [(c.slug, c.title) for c in consultations.list_current()]


def _fill_rows(form, process=None):
    """One row per kind of step, in the usual order; an existing process's steps filled in."""
    steps = {step.kind: step for step in process.steps} if process is not None else {}
    if request.method == "GET":
        for row, kind in zip((entry.form for entry in form.steps), STEP_ORDER):
            step = steps.get(kind)
            row.kind.data = kind
            if step is not None:
                row.include.data, row.position.data, row.description.data = True, step.position, step.description
                row.opens_at.process_data(step.opens_at)
                row.closes_at.process_data(step.closes_at)
    for row, kind in zip((entry.form for entry in form.steps), STEP_ORDER):
        # The kind of each row is fixed by its place: a posted value is never trusted.
        row.kind.data = kind


def _process_page(form, process, status):
    return render_template("moderation/process_form.html", form=form, process=process, kinds=STEP_ORDER), status


@bp.route("/processes/new", methods=["GET", "POST"])
@admin_required
def new_process():
    """Create a process and its ordered steps (admins)."""
    form = ProcessForm()
    _consultation_choices(form)
    _fill_rows(form)
    if form.validate_on_submit():
        consultation = consultations.get_by_slug(form.consultation.data) if form.consultation.data else None
        try:
            process = processes.create_process(
                actor=current_actor(), slug=form.slug.data, title=form.title.data,
                description=form.description.data or "", is_practice=bool(form.is_practice.data),
                steps=form.step_specs(consultation))
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Proceso creado."), "success")
            return see_other("processes.show", slug=process.slug)
    return _process_page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/processes/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit_process(slug):
    """Edit a process's texts and its timeline (admins)."""
    process = _load_process(slug)
    form = ProcessEditForm(obj=process)
    _consultation_choices(form)
    if request.method == "GET":
        linked = next((step.consultation for step in process.steps if step.consultation is not None), None)
        form.consultation.data = linked.slug if linked else ""
    _fill_rows(form, process)
    if form.validate_on_submit():
        consultation = consultations.get_by_slug(form.consultation.data) if form.consultation.data else None
        try:
            changed = processes.update_process(current_actor(), process, title=form.title.data,
                                               description=form.description.data or "",
                                               steps=form.step_specs(consultation))
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Proceso guardado.") if changed else _("No había cambios que guardar."), "success")
            return see_other("processes.show", slug=process.slug)
    return _process_page(form, process, 400 if request.method == "POST" else 200)


@bp.route("/processes/<slug>/survey", methods=["GET", "POST"])
@admin_required
def survey(slug):
    """Create the process's thematic survey, or edit it (questions only while nobody has answered)."""
    process = _load_process(slug)
    step = or_404(processes.step_of(process, StepKind.THEMATIC_SURVEY))
    existing = surveys.survey_of_step(step.id)
    existing = surveys.get_survey(existing.id) if existing is not None else None
    form = SurveyForm(obj=existing)
    if request.method == "GET":
        if existing is not None:
            for row, spec in zip((entry.form for entry in form.questions), surveys.question_specs(existing)):
                row.kind.data, row.text.data, row.required.data = spec["kind"], spec["text"], spec["required"]
                row.options.data = "\n".join(spec["options"])
                row.max_choices.data = spec.get("max_choices")
                row.scale_min.data, row.scale_max.data = spec.get("scale_min"), spec.get("scale_max")
        else:
            form.opens_at.process_data(step.opens_at)
            form.closes_at.process_data(step.closes_at)
    if form.validate_on_submit():
        values = {"title": form.title.data, "description": form.description.data or "",
                  "opens_at": form.opens_at.data, "closes_at": form.closes_at.data,
                  "questions": form.question_specs()}
        try:
            if existing is None:
                surveys.create_survey(actor=current_actor(), step=step, **values)
                changed = True
            else:
                changed = surveys.update_survey(current_actor(), existing, **values)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Encuesta guardada.") if changed else _("No había cambios que guardar."), "success")
            return see_other(".process_list")
    answered = existing is not None and surveys.respondent_count(existing.id) > 0
    return render_template("moderation/survey_form.html", form=form, process=process, survey=existing,
                           answered=answered), 400 if request.method == "POST" else 200


def _event_page(form, process, event, status):
    return render_template("moderation/event_form.html", form=form, process=process, event=event), status


@bp.route("/processes/<slug>/events/new", methods=["GET", "POST"])
def new_event(slug):
    """Add a workshop or expert session to the process's step of that kind."""
    process = _load_process(slug)
    form = EventForm()
    if request.method == "GET" and request.args.get("kind") in ("workshop", "expert_session"):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        kind = StepKind.WORKSHOPS if form.kind.data == "workshop" else StepKind.EXPERT_SESSIONS
        step = processes.step_of(process, kind)
        if step is None:
            form.kind.errors.append(_("El proceso no tiene una etapa de este tipo."))
        else:
            try:
                event = events.create_event(actor=current_actor(), step=step, **form.values())
            except DomainError as error:
                form.form_errors.append(error.message)
            else:
                flash(_("Evento creado."), "success")
                return see_other("events.show", event_id=event.id)
    return _event_page(form, process, None, 400 if request.method == "POST" else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id):
    """Edit a workshop or expert session (its kind stays that of its step)."""
    event = get_or_404(Event, event_id)
    form = EventForm(obj=event)
    if form.validate_on_submit():
        values = form.values()
        values["kind"] = event.kind if event.step_id is not None else values["kind"]
        try:
            changed = events.update_event(current_actor(), event, **values)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Evento guardado.") if changed else _("No había cambios que guardar."), "success")
            return see_other("events.show", event_id=event.id)
    return _event_page(form, None, event, 400 if request.method == "POST" else 200)
