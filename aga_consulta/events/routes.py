"""The public event page, and the staff's attendance, sign-in sheet import and notes."""
from flask import Blueprint, abort, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aga_consulta.accounts.permissions import refuse_non_moderators
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.events import services
from aga_consulta.events.labels import KIND_LABELS, SECTOR_LABELS
from aga_consulta.accounts.models import User
from aga_consulta.events.models import Event
from aga_consulta.territory.divipola import department_choices
from aga_consulta.timeutil import utcnow
from aga_consulta.web import (
    current_actor, field_errors, get_or_404, keep_form, kept_values, refuse, see_other, wants_json,
)

bp = Blueprint("events", __name__)
#: Largest sign-in sheet accepted, in bytes.
SHEET_MAX_BYTES = 1024 * 1024
#: Problems of a refused sheet carried to the event's page (the session is a small cookie).
PROBLEMS_SHOWN = 30


@bp.app_context_processor
def event_labels():
    """Labels of event kinds and sectors."""
    return {"event_kind_label": lambda kind: KIND_LABELS.get(kind, kind),
            "sector_label": lambda sector: SECTOR_LABELS.get(sector, sector)}


def _page(event, problems=(), status=200):
    user = current_user if current_user.is_authenticated else None
    staff = user is not None and user.is_moderator
    # A refused staff form comes back (303) with what was typed and the message beside its field.
    staff_values, staff_errors = kept_values(_staff_key(event)) if staff else ({}, {})
    return render_template("events/show.html", event=event, by_sector=services.attendance_by_sector(event),
                           attendees=services.attendee_count([event.id]), problems=problems,
                           registered=services.registrant_count(event.id),
                           is_registered=user is not None and services.is_registered(event.id, user.id),
                           registrants=services.registrants(current_actor(), event) if staff else [],
                           outcomes=services.outcomes(event), now=utcnow(),
                           departments=department_choices(), sectors=SECTOR_LABELS,
                           staff_values=staff_values, staff_errors=staff_errors), status


@bp.route("/events/<int:event_id>")
def show(event_id):
    """Show a workshop or expert session: theme, date, place, attendance, notes."""
    event = get_or_404(Event, event_id)
    kept = session.get("sheet_problems")
    problems = ()
    if kept and kept.get("event") == event.id:
        session.pop("sheet_problems")
        problems = [tuple(problem) for problem in kept["problems"]]
    return _page(event, problems=problems)


def _staff_key(event):
    return f"event-staff-{event.id}"


def _refuse_staff_form(error, event, anchor):
    """Back to the event (303) with what was typed and the message beside its field."""
    if not isinstance(error, ValidationFailed) or wants_json():
        return refuse(error, url_for(".show", event_id=event.id))
    keep_form(_staff_key(event), errors=field_errors(error))
    return see_other(".show", event_id=event.id, _anchor=anchor)


def _staff_event(event_id):
    refusal = refuse_non_moderators()
    if refusal is not None:
        return None, refusal
    return get_or_404(Event, event_id), None


@bp.route("/events/<int:event_id>/attendance", methods=["POST"])
def attendance(event_id):
    """Record one attendee from the check-in list (staff)."""
    event, refusal = _staff_event(event_id)
    if refusal is not None:
        return refusal
    try:
        services.record_attendance(current_actor(), event, department=request.form.get("department"),
                                   sector=request.form.get("sector"), email=request.form.get("email"))
    except DomainError as error:
        return _refuse_staff_form(error, event, "attendance-form")
    flash(_("Asistencia registrada."), "success")
    return see_other(".show", event_id=event.id)


@bp.route("/events/<int:event_id>/attendance/import", methods=["POST"])
def import_sheet(event_id):
    """Import a sign-in sheet (CSV): every row or none, with a row-by-row report (staff)."""
    event, refusal = _staff_event(event_id)
    if refusal is not None:
        return refusal
    upload = request.files.get("sheet")
    data = upload.read(SHEET_MAX_BYTES + 1) if upload else b""
    try:
        if len(data) > SHEET_MAX_BYTES:
            raise services.SheetInvalid([(1, _("El archivo es demasiado grande."))])
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise services.SheetInvalid([(1, _("El archivo debe estar en UTF-8."))]) from None
        stored = services.import_sheet(current_actor(), event, text)
    except services.SheetInvalid as error:
        # Post/Redirect/Get: the report goes to the event's page, not to the POST's URL.
        session["sheet_problems"] = {"event": event.id, "problems": [
            (row, str(message)) for row, message in error.problems[:PROBLEMS_SHOWN]]}
        flash(_("No se importó la planilla: corrige las filas señaladas y vuelve a subirla."), "error")
        return see_other(".show", event_id=event.id, _anchor="sheet-problems")
    except DomainError as error:
        return refuse(error, url_for(".show", event_id=event.id))
    flash(_("Planilla importada: %(n)d asistentes.", n=stored), "success")
    return see_other(".show", event_id=event.id)


@bp.route("/events/<int:event_id>/notes", methods=["POST"])
def notes(event_id):
    """Publish the event's notes, the relatoría (staff)."""
    event, refusal = _staff_event(event_id)
    if refusal is not None:
        return refusal
    try:
        services.publish_notes(current_actor(), event, request.form.get("notes", ""))
    except DomainError as error:
        return _refuse_staff_form(error, event, "notes")
    flash(_("Relatoría publicada."), "success")
    return see_other(".show", event_id=event.id)


@bp.route("/events/<int:event_id>/registration", methods=["POST"])
@login_required
def register(event_id):
    """Sign the logged-in citizen up for the event (or give the seat back with action=cancel)."""
    event = get_or_404(Event, event_id)
    try:
        if request.form.get("action") == "cancel":
            services.cancel_registration(current_actor(), event)
            flash(_("Cancelaste tu inscripción."), "success")
        else:
            services.register(current_actor(), event)
            flash(_("Quedaste inscrito. La inscripción no es la asistencia: el día del evento el equipo registra a quienes asisten."),
                  "success")
    except DomainError as error:
        return refuse(error, url_for(".show", event_id=event.id))
    return see_other(".show", event_id=event.id)


@bp.route("/events/<int:event_id>/check-in/<int:user_id>", methods=["POST"])
def check_in(event_id, user_id):
    """Record a registrant as attending, from the check-in list (staff)."""
    event, refusal = _staff_event(event_id)
    if refusal is not None:
        return refusal
    person = get_or_404(User, user_id)
    try:
        services.check_in(current_actor(), event, person, sector=request.form.get("sector"))
    except DomainError as error:
        return refuse(error, url_for(".show", event_id=event.id))
    flash(_("Asistencia registrada."), "success")
    return see_other(".show", event_id=event.id)
