"""The public committee page, its open data and files, and the moderators' screens to keep it."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from aga_consulta import uploads
from aga_consulta.accounts.permissions import refuse_non_moderators
from aga_consulta.committee import documents, meetings, members
from aga_consulta.committee.labels import CATEGORY_LABELS, ROLE_LABELS, SECTOR_LABELS
from aga_consulta.committee.models import Document, Meeting, Member
from aga_consulta.errors import DomainError
from aga_consulta.i18n import local_day
from aga_consulta.web import (
    current_actor, field_errors, get_or_404, keep_form, kept_values, see_other, wants_json,
)

bp = Blueprint("committee", __name__)
#: The moderators' screens, under /moderation and guarded like the moderation blueprint.
staff_bp = Blueprint("committee_staff", __name__, url_prefix="/moderation/committee")


@bp.app_context_processor
def committee_labels():
    """Labels of the committee's sides, roles and document categories."""
    return {"committee_sector_label": lambda value: SECTOR_LABELS.get(value, value),
            "committee_role_label": lambda value: ROLE_LABELS.get(value, value),
            "committee_category_label": lambda value: CATEGORY_LABELS.get(value, value)}


def site_today():
    """Today's date where the committee meets (the site's time zone)."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _record():
    held = meetings.meetings()
    return {"members": members.members(), "meetings": held, "documents": documents.documents_by_category(),
            "cadence": meetings.cadence(held, site_today()), "with_civil_society": meetings.with_civil_society}


@bp.route("/committee")
def show():
    """The committee: its members, its meetings with their minutes, its documents, and how often it meets."""
    return render_template("committee/show.html", **_record())


@bp.route("/committee/export/committee_meetings.csv")
def meetings_csv():
    """Open data: one row per meeting (organisations and head counts, never a person)."""
    body = meetings.meetings_csv(lambda meeting: url_for(".minutes_pdf", meeting_id=meeting.id, _external=True))
    response = Response(body, mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename="committee_meetings.csv")
    return response


@bp.route("/committee/meetings/<int:meeting_id>/minutes.pdf")
def minutes_pdf(meeting_id):
    """A meeting's minutes as the PDF that was uploaded (an attachment, never sniffed)."""
    meeting = get_or_404(Meeting, meeting_id)
    if meeting.minutes_file is None:
        abort(404)
    return uploads.send_pdf(uploads.upload_dir(), meeting.minutes_file, meeting.minutes_file_name)


@bp.route("/committee/documents/<int:document_id>.pdf")
def document_pdf(document_id):
    """A document of the repository that was uploaded as a PDF."""
    document = get_or_404(Document, document_id)
    if document.file is None:
        abort(404)
    return uploads.send_pdf(uploads.upload_dir(), document.file, document.file_name)


# --- the moderators' screens --------------------------------------------------------------

@staff_bp.before_request
def require_moderator():
    """Anonymous visitors log in first; citizens and institutions get 403."""
    return refuse_non_moderators()


#: The ids of the manage page's fields, by name (its two forms share the page).
MEMBER_IDS = {"name": "member-name", "sector": "member-sector", "role": "member-role", "joined_on": "member-joined",
              "left_on": "member-left"}
DOCUMENT_IDS = {"category": "document-category", "title": "document-title", "dated_on": "document-date",
                "link": "document-link"}


def _errors(error, ids):
    return field_errors(error, lambda name: ids.get(name, name))


def _refused(error, template, ids=MEMBER_IDS, **context):
    """Show the form again (its page is its GET address) with what was typed, each message beside
    its field, with the error's status.

    Scripts asking for JSON get {"error", "status"} instead, as from web.refuse.
    """
    if wants_json():
        return jsonify(error=str(error.message), status=error.status), error.status
    return render_template(template, errors=_errors(error, ids), values=request.form, **context), error.status


def _refused_to_manage(error, ids, anchor):
    """A refused form of the manage page: 303 back to it (never left on the POST's address),
    which shows what was typed and the message beside its field."""
    if wants_json():
        return jsonify(error=str(error.message), status=error.status), error.status
    keep_form("committee", errors=_errors(error, ids))
    return see_other(".manage", _anchor=anchor)


def _upload(name):
    """The file chosen in the form's `name` input, or None when none was chosen."""
    upload = request.files.get(name)
    return upload if upload is not None and upload.filename else None


@staff_bp.route("/")
def manage():
    """Everything the moderators keep: members, meetings, documents, and the cadence.

    A refused member or document comes back here (303) with what was typed and its errors.
    """
    values, errors = kept_values("committee")
    return render_template("committee/manage.html", errors=errors, values=values, **_record())


def _member_values(form):
    return {name: form.get(name) for name in ("name", "sector", "role", "joined_on", "left_on")}


@staff_bp.route("/members", methods=["POST"])
def add_member():
    """Add a member organisation."""
    try:
        member = members.add_member(current_actor(), **_member_values(request.form))
    except DomainError as error:
        return _refused_to_manage(error, MEMBER_IDS, "members")
    flash(_("Miembro añadido: %(name)s.", name=member.name), "success")
    return see_other(".manage", _anchor="members")


@staff_bp.route("/members/<int:member_id>", methods=["GET", "POST"])
def edit_member(member_id):
    """Correct a member organisation, or record that it left the committee."""
    member = get_or_404(Member, member_id)
    if request.method == "POST":
        try:
            members.update_member(current_actor(), member, **_member_values(request.form))
        except DomainError as error:
            return _refused(error, "committee/member_form.html", member=member)
        flash(_("Miembro actualizado: %(name)s.", name=member.name), "success")
        return see_other(".manage", _anchor="members")
    return render_template("committee/member_form.html", member=member, errors={}, values={})


def _meeting_values(form):
    return {"held_on": form.get("held_on"), "agenda": form.get("agenda"), "minutes": form.get("minutes", ""),
            "attendee_ids": form.getlist("attendees"), "government_people": form.get("government_people"),
            "civil_society_people": form.get("civil_society_people"), "other_people": form.get("other_people")}


@staff_bp.route("/meetings/new", methods=["GET", "POST"])
@uploads.accepts_upload
def new_meeting():
    """Record a meeting: date, agenda, attendance, and the minutes with an optional PDF."""
    if request.method == "POST":
        try:
            meeting = meetings.create_meeting(current_actor(), minutes_pdf=_upload("minutes_pdf"),
                                              **_meeting_values(request.form))
        except DomainError as error:
            return _refused(error, "committee/meeting_form.html", {}, meeting=None, members=members.members())
        flash(_("Reunión registrada: %(day)s.", day=local_day(meeting.held_on)), "success")
        return see_other(".manage", _anchor="meetings")
    return render_template("committee/meeting_form.html", meeting=None, members=members.members(), errors={},
                           values={})


@staff_bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@uploads.accepts_upload
def edit_meeting(meeting_id):
    """Correct a meeting, or add its minutes and their PDF."""
    meeting = get_or_404(Meeting, meeting_id)
    if request.method == "POST":
        try:
            meetings.update_meeting(current_actor(), meeting, minutes_pdf=_upload("minutes_pdf"),
                                    remove_pdf=request.form.get("remove_pdf") == "1", **_meeting_values(request.form))
        except DomainError as error:
            return _refused(error, "committee/meeting_form.html", {}, meeting=meeting, members=members.members())
        flash(_("Reunión actualizada: %(day)s.", day=local_day(meeting.held_on)), "success")
        return see_other(".manage", _anchor="meetings")
    return render_template("committee/meeting_form.html", meeting=meeting, members=members.members(), errors={},
                           values={})


@staff_bp.route("/documents", methods=["POST"])
@uploads.accepts_upload
def add_document():
    """Add a document to the repository: a link or a PDF."""
    form = request.form
    try:
        document = documents.add_document(current_actor(), category=form.get("category"), title=form.get("title"),
                                          dated_on=form.get("dated_on"), link=form.get("link"), pdf=_upload("pdf"))
    except DomainError as error:
        return _refused_to_manage(error, DOCUMENT_IDS, "documents")
    flash(_("Documento publicado: %(title)s.", title=document.title), "success")
    return see_other(".manage", _anchor="documents")


@staff_bp.route("/documents/<int:document_id>/remove", methods=["POST"])
def remove_document(document_id):
    """Take a document out of the repository."""
    document = get_or_404(Document, document_id)
    title = document.title
    documents.remove_document(current_actor(), document)
    flash(_("Documento retirado: %(title)s.", title=title), "success")
    return see_other(".manage", _anchor="documents")
