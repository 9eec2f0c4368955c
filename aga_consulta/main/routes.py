"""Home page, health check and language switch."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import HiddenField

from aga_consulta.consultations.services import list_current
from aga_consulta.extensions import db
from aga_consulta.security import is_safe_next
from aga_consulta.timeutil import utcnow

bp = Blueprint("main", __name__)


class LanguageForm(FlaskForm):
    """Language switch (a POST: it changes the visitor's session)."""

    lang = HiddenField()
    next = HiddenField()


@bp.route("/")
def index():
    """List consultations, open ones first."""
    return render_template("main/index.html", consultations=list_current(), now=utcnow())


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the visitor's language choice and go back where they were."""
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("main.index"), code=303)


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
