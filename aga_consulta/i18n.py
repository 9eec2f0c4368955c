"""Language selection: Spanish (es-CO) by default, English on request."""
from flask import current_app, g, has_request_context, request, session
from flask_babel import lazy_gettext as _l

LANGUAGE_NAMES = {"es": "Español", "en": "English"}

STATUS_LABELS = {
    "received": _l("Recibida"),
    "shortlisted": _l("Preseleccionada"),
    "selected": _l("Seleccionada"),
    "not_selected": _l("No seleccionada"),
}

SCOPE_LABELS = {"national": _l("Nacional"), "subnational": _l("Subnacional")}

#: Vocabulary that reaches the pages as data: the themes the seed creates, and the departments
#: whose names have an English form (the others are proper names, the same in English; statuses
#: and scopes have their labels above). Listed here so that the catalogues carry them
#: (tests/core/test_i18n.py keeps them translated); `vocabulary()` shows the English form when
#: there is one. People's own texts (titles, comments) never go through it.
DATA_VOCABULARY = (
    _l("Datos abiertos"), _l("Lucha contra la corrupción"), _l("Trámites y servicios"), _l("Ambiente"),
    _l("Finanzas públicas"), _l("Participación ciudadana"), _l("Justicia abierta"), _l("Contratación pública"),
    _l("Bogotá D.C."), _l("San Andrés, Providencia y Santa Catalina"),
)


def translations():
    """The catalogue of this request's language: Flask-Babel's, looked up once per request and locale."""
    # Flask-Babel finds its context, the locale and the merged catalogue again for every
    # string (a dozen context-local lookups each): a page of 30 cards asks for 150 strings,
    # and that was a fifth of its rendering. Keyed by the locale object, so force_locale()
    # (which swaps it) still gets its own catalogue.
    from flask_babel import get_translations

    try:
        state = g._flask_babel
    except (AttributeError, RuntimeError):  # first string of the request; no app context
        return get_translations()
    locale = getattr(state, "babel_locale", None)
    cached = getattr(state, "aga_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    found = get_translations()  # sets babel_locale on first use
    locale = getattr(state, "babel_locale", None)
    if locale is not None:  # Flask-Babel (pinned) keeps it there; otherwise look up each time
        state.aga_translations = (locale, found)
    return found


def translated(label):
    """A lazy label without variables (STATUS_LABELS, SCOPE_LABELS...) in this request's language."""
    from flask_babel.speaklater import LazyString

    if isinstance(label, LazyString) and not label._kwargs:  # its message id is its one argument
        return translations().ugettext(label._args[0])
    return label


def vocabulary(text):
    """A word stored as data (a theme, a department) in the reader's language when the catalogues have it."""
    return translations().ugettext(text) if text else text


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


#: The day in words, by language: es-CO's own medium date is all digits (13/10/2020), which
#: reads as 10 January to some; the month's name is unambiguous.
DAY_PATTERNS = {"es": "d MMM y", "en": "MMM d, y"}


def local_time(value, zone=True):
    """A stored (naive UTC) time in the site's time zone, Colombian style, to the minute, zone stated.

    "13 oct 2020, 10:00 a. m. (hora de Colombia, UTC−5)" in Spanish, "Oct 13, 2020, 10:00 AM
    (Colombia Time, UTC−5)" in English: the locale's own month abbreviation and clock, the
    configured zone (BABEL_DEFAULT_TIMEZONE) named in the reader's language with its offset at
    that moment. `zone=False` leaves the zone out (the first time of a range that states it
    once). Never the seconds: a comment's time to the second matched the moderators'
    comments.csv row by row, and with it the pseudonym; to the minute, several comments
    share each time.
    """
    from babel.dates import format_datetime, format_time, get_datetime_format, get_timezone_name
    from flask_babel import get_locale, get_timezone, to_user_timezone

    locale = get_locale()
    tz = get_timezone()
    local = to_user_timezone(value)
    day = format_datetime(local, DAY_PATTERNS.get(locale.language, "medium"), tzinfo=tz, locale=locale)
    clock = format_time(local, "short", tzinfo=tz, locale=locale)
    text = get_datetime_format("medium", locale=locale).replace("{1}", day).replace("{0}", clock)
    if not zone:
        return text
    # The zone's generic name ("hora de Colombia"), not the seasonal one ("hora estándar de...").
    return f"{text} ({get_timezone_name(tz, 'long', locale=locale)}, {utc_offset(local)})"


def local_day(value):
    """A calendar day as the site writes it: "13 oct 2020" (the month in words, like local_time)."""
    from flask_babel import format_date, get_locale

    return format_date(value, DAY_PATTERNS.get(get_locale().language, "medium"))


def utc_offset(local):
    """The offset of an aware time as people write it: UTC−5, UTC+5:30, UTC (a true minus sign)."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


#: The name the templates have used for local_time (kept: one function, two ways in).
format_minute = local_time


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
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["vocabulary"] = vocabulary
    app.jinja_env.filters["local_day"] = local_day

    @app.context_processor
    def language_context():
        """Template variables for the language switch and the html lang attribute."""
        lang = current_language()
        return {
            "current_lang": lang,
            "html_lang": "es-CO" if lang == "es" else lang,
            "language_names": LANGUAGE_NAMES,
            "status_label": lambda status: translated(STATUS_LABELS.get(status, status)),
            "scope_label": lambda scope: translated(SCOPE_LABELS.get(scope, scope)),
        }
