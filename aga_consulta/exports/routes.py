"""Export download routes: public open data (CSV), and the full set for moderators (CSV and XLSX)."""
import tempfile

from flask import Blueprint, Response, abort, send_file, stream_with_context

from aga_consulta.accounts.permissions import refuse_non_moderators
from aga_consulta.consultations.services import get_by_slug
from aga_consulta.exports import services
from aga_consulta.exports.bundle import write_consultation_bundle
from aga_consulta.web import current_actor, or_404, results_limit

bp = Blueprint("exports", __name__)
#: Under /moderation, guarded like the moderation blueprint (and walked by its access test).
moderator_bp = Blueprint("moderator_exports", __name__, url_prefix="/moderation")


@bp.app_context_processor
def export_link_helpers():
    """`export_links(audience)`: (name, label) of every export the audience may download."""
    return {"export_links": lambda audience: [(name, services.EXPORTS[name].label)
                                              for name in services.names(audience)],
            "export_formats": services.formats}


@moderator_bp.before_request
def require_moderator():
    """Anonymous visitors log in first; citizens get 403."""
    return refuse_non_moderators()


def _csv_response(consultation, name, audience):
    try:
        services.get_export(audience, name)
    except services.UnknownExport:
        abort(404)
    body = stream_with_context(services.iter_csv(consultation, name, audience))
    response = Response(body, mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=services.filename(consultation, name))
    return response


@bp.route("/consultations/<slug>/export/<name>.csv")
@results_limit
def public_export(slug, name):
    """Stream a public export (no personal data)."""
    consultation = or_404(get_by_slug(slug))
    return _csv_response(consultation, name, "public")


@bp.route("/consultations/<slug>/export/bundle.zip")
@results_limit
def bundle_zip(slug):
    """The open-data bundle: public CSVs, the log, comment texts, checkpoint, key, manifest."""
    consultation = or_404(get_by_slug(slug))
    # A spooled file: a small bundle stays in memory, a large one goes to disk, never all in RAM.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        write_consultation_bundle(consultation, out)
    except LookupError:
        out.close()
        abort(404)
    out.seek(0)
    return send_file(out, mimetype="application/zip", as_attachment=True,
                     download_name=f"{consultation.slug}-bundle.zip")


@moderator_bp.route("/consultations/<slug>/export/<name>.csv")
def moderator_export(slug, name):
    """Stream a full export to a moderator; the download is audited and never cached."""
    consultation = or_404(get_by_slug(slug))
    if name not in services.names("moderator"):
        abort(404)
    services.record_download(current_actor(), consultation, name)
    response = _csv_response(consultation, name, "moderator")
    response.headers["Cache-Control"] = "no-store"
    return response


@moderator_bp.route("/consultations/<slug>/export/<name>.xlsx")
def moderator_export_xlsx(slug, name):
    """A full export as a spreadsheet; audited and never cached, like its CSV."""
    consultation = or_404(get_by_slug(slug))
    if name not in services.names("moderator"):
        abort(404)
    services.record_download(current_actor(), consultation, name, "xlsx")
    # A spooled file: a small workbook stays in memory, a large one goes to disk.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    services.write_xlsx(consultation, name, "moderator", out)
    out.seek(0)
    response = send_file(out, mimetype=services.MEDIA_TYPES["xlsx"], as_attachment=True,
                         download_name=services.filename(consultation, name, "xlsx"))
    response.headers["Cache-Control"] = "no-store"
    return response
