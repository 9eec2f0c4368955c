"""Forms of the public pages: the consultation page's filters and the language switch."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SearchField, SelectField
from wtforms.validators import Length, NumberRange, Optional


class ProposalFilterForm(FlaskForm):
    """A consultation page's filters (GET, no CSRF: it changes nothing): words to search, scope, department and theme filters plus the sort order."""

    class Meta:
        csrf = False

    q = SearchField(_l("Buscar propuestas"), validators=[Optional(), Length(max=200)])

    scope = SelectField(
        _l("Alcance"),
        choices=[("", _l("Todos")), ("national", _l("Nacional")), ("subnational", _l("Subnacional"))],
        default="",
    )
    department = SelectField(_l("Departamento"), choices=[("", _l("Todos"))], default="")
    theme = SelectField(_l("Tema"), choices=[("", _l("Todos"))], default="")
    sort = SelectField(
        _l("Ordenar por"),
        choices=[("votes", _l("Más votadas")), ("recent", _l("Más recientes")), ("random", _l("Orden aleatorio"))],
        default="votes",
    )
    page = IntegerField(_l("Página"), validators=[Optional(), NumberRange(min=1, max=100000)], default=1)


class LanguageForm(FlaskForm):
    """Language switch (a POST: it changes the visitor's session)."""

    lang = HiddenField()
    next = HiddenField()
