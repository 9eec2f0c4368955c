"""Language selection: Spanish (es-CO) by default, English on request."""
from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l

LANGUAGE_NAMES = {"es": "Español", "en": "English"}

STATUS_LABELS = {
    "received": _l("Recibida"),
    "shortlisted": _l("Preseleccionada"),
    "selected": _l("Seleccionada"),
    "not_selected": _l("No seleccionada"),
}

SCOPE_LABELS = {"national": _l("Nacional"), "subnational": _l("Subnacional")}


def select_locale():
    """Pick the locale: the visitor's explicit choice, then the browser's, then Spanish."""
    if not has_request_context():
        return "es_CO"
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return "es_CO" if chosen == "es" else chosen
    best = request.accept_languages.best_match(current_app.config["LANGUAGES"], default="es")
    return "es_CO" if best == "es" else best


def current_language():
    """Return the two-letter language shown on this request."""
    return str(select_locale())[:2]


def format_minute(value):
    """A stored (naive UTC) time as the reader's local date and time to the minute, never the seconds.

    Public pages show times this way: a comment's time to the second (or the microsecond, as
    the <time> element carried) matched the moderators' comments.csv row by row, and with it
    the pseudonym; to the minute, several comments share each time.
    """
    from babel.dates import get_datetime_format
    from flask_babel import format_date, format_time, get_locale

    pattern = get_datetime_format("medium", locale=get_locale())
    return pattern.replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))


def iso_minute(value):
    """A stored (naive UTC) time as an HTML/ISO 8601 UTC time to the minute: 2026-11-30T19:48Z."""
    return value.strftime("%Y-%m-%dT%H:%MZ")


def register(app):
    """Expose the current language and locale-aware formatters to templates."""
    from flask_babel import format_date, format_datetime, format_decimal, format_percent

    app.jinja_env.globals.update(
        format_datetime=format_datetime,
        format_date=format_date,
        format_decimal=format_decimal,
        format_percent=format_percent,
        format_minute=format_minute,
        iso_minute=iso_minute,
    )

    @app.context_processor
    def language_context():
        """Template variables for the language switch and the html lang attribute."""
        lang = current_language()
        return {
            "current_lang": lang,
            "html_lang": "es-CO" if lang == "es" else lang,
            "language_names": LANGUAGE_NAMES,
            "status_label": lambda status: STATUS_LABELS.get(status, status),
            "scope_label": lambda scope: SCOPE_LABELS.get(scope, scope),
        }
