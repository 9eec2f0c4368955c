"""Every user-facing string has an English translation; Spanish is the source language."""
import os

from babel.messages.extract import extract_from_dir
from babel.support import Translations
from flask import current_app

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
METHOD_MAP = [("aga_consulta/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def test_every_extracted_message_has_an_english_translation():
    merged = Translations()
    for directory in current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        merged.merge(Translations.load(directory, ["en"], "messages"))
    catalog = merged._catalog
    missing = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, METHOD_MAP, keywords=KEYWORDS, options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        if filename.startswith((".venv", "tests", "bench")):
            continue
        key = message[0] if isinstance(message, tuple) else message
        if isinstance(message, tuple):
            translated = catalog.get((key, 0))
        else:
            translated = catalog.get(key)
        if not translated:
            missing.append(f"{filename}: {key}")
    assert missing == [], "untranslated strings (add them to the package's en catalogue):\n" + "\n".join(missing)


def test_templates_follow_the_language_also_inside_force_locale(app):
    """The catalogue kept per request follows the locale, force_locale included."""
    from flask import render_template_string, session
    from flask_babel import force_locale

    page = "{{ _('Votar') }} {{ status_label('selected') }} {{ ngettext('%(num)d voto', '%(num)d votos', 2) }}"
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert render_template_string(page) == "Vote Selected 2 votes"
        with force_locale("es_CO"):
            assert render_template_string(page) == "Votar Seleccionada 2 votos"
        assert render_template_string(page) == "Vote Selected 2 votes"
