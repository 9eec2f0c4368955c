"""Moderation forms: every POST goes through one of these (CSRF), every GET filter is validated."""
from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from aga_consulta.accounts.models import ROLES
from aga_consulta.audit.models import AUDIT_ACTIONS
from aga_consulta.consultations import services as consultations
from aga_consulta.i18n import SCOPE_LABELS, STATUS_LABELS
from aga_consulta.moderation.labels import ACTION_LABELS, ROLE_LABELS
from aga_consulta.proposals import services as proposals
from aga_consulta.proposals.models import SCOPES, STATUSES
from aga_consulta.text import REASON_MAX, REASON_MIN
from aga_consulta.territory.divipola import department_choices
from aga_consulta.timeutil import DATE_RANGE_MESSAGE, YEAR_MAX, YEAR_MIN, in_date_range

STATUS_CHOICES = [(status, STATUS_LABELS[status]) for status in STATUSES]
SCOPE_CHOICES = [(scope, SCOPE_LABELS[scope]) for scope in SCOPES]


def site_timezone():
    """The time zone in which staff enter and read times (America/Bogota by default)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def in_date_range_validator(form, field):
    """Refuse a date or time outside the years the whole site accepts (timeutil.YEAR_MIN-YEAR_MAX)."""
    if field.data is not None and not in_date_range(field.data):
        raise ValidationError(DATE_RANGE_MESSAGE)


class BoundedDateField(DateField):
    """A date input bounded to the accepted years; a value that is not a date is not shown back."""

    def __init__(self, label=None, validators=(), **kwargs):
        kwargs.setdefault("render_kw", {"min": f"{YEAR_MIN}-01-01", "max": f"{YEAR_MAX}-12-31"})
        super().__init__(label, validators=[*validators, in_date_range_validator], **kwargs)

    def _value(self):
        # Only a parsed date goes back into the page: a GET filter is a link anyone can
        # craft, and echoing its raw text would put that text on a staff page.
        return self.data.strftime(self.format[0]) if self.data else ""


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read and shown in the site's time zone.

    Data coming from the database (naive UTC) is shown in local time; submitted values
    come back as aware datetimes, which the services store as naive UTC. Bounded to the
    accepted years, like every date the site takes in.
    """

    def __init__(self, label=None, validators=(), **kwargs):
        kwargs.setdefault("render_kw", {"min": f"{YEAR_MIN}-01-01T00:00", "max": f"{YEAR_MAX}-12-31T23:59"})
        super().__init__(label, validators=[*validators, in_date_range_validator], **kwargs)

    def process_data(self, value):
        """Show a stored naive-UTC datetime in the site's time zone."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        self.data = value.astimezone(site_timezone()) if value is not None else None

    def process_formdata(self, valuelist):
        """Read the submitted wall-clock time as a time in the site's time zone."""
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=site_timezone())

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%Y-%m-%dT%H:%M") if self.data else ""


class ReasonField(TextAreaField):
    """The mandatory, public or audited reason of a moderator's decision."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("validators", [
            DataRequired(_l("Escribe el motivo.")),
            Length(min=REASON_MIN, max=REASON_MAX,
                   message=_l("El motivo debe tener entre %(min)d y %(max)d caracteres.")),
        ])
        kwargs.setdefault("render_kw", {"maxlength": REASON_MAX, "rows": 3})
        super().__init__(label or _l("Motivo"), **kwargs)


class StatusForm(FlaskForm):
    """Change one proposal's status (POST /moderation/proposals/<id>/status)."""

    status = SelectField(_l("Nuevo estado"), choices=STATUS_CHOICES, validate_choice=True)
    reason = ReasonField(_l("Motivo (se publica en la página de la propuesta y en el registro de decisiones)"))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BulkStatusForm(FlaskForm):
    """Change the status of several proposals of one consultation at once."""

    proposal_ids = MultiCheckboxField(_l("Propuestas"), coerce=int, choices=[], validate_choice=True,
                                      validators=[DataRequired(_l("Elige al menos una propuesta."))])
    status = SelectField(_l("Nuevo estado"), choices=STATUS_CHOICES, validate_choice=True)
    reason = ReasonField(_l("Motivo (se publica para cada propuesta)"))


class ReasonForm(FlaskForm):
    """Hide or restore a comment with a reason."""

    reason = ReasonField(_l("Motivo (lo verá la persona autora)"))


class DashboardFilterForm(FlaskForm):
    """Consultation, filters and sort of the dashboard (GET, changes nothing)."""

    class Meta:
        csrf = False

    consultation = SelectField(_l("Consulta"), choices=[], validate_choice=True)
    scope = SelectField(_l("Alcance"), choices=[("", _l("Todos"))] + SCOPE_CHOICES, default="")
    department = SelectField(_l("Departamento"), choices=[("", _l("Todos"))], default="")
    theme = SelectField(_l("Tema"), choices=[("", _l("Todos"))], default="")
    status = SelectField(_l("Estado"), choices=[("", _l("Todos"))] + STATUS_CHOICES, default="")
    sort = SelectField(
        _l("Ordenar por"),
        choices=[("votes", _l("Votos")), ("comments", _l("Comentarios")), ("status", _l("Estado")), ("code", _l("Código"))],
        default="votes",
    )
    order = SelectField(_l("Sentido"), choices=[("desc", _l("Descendente")), ("asc", _l("Ascendente"))], default="desc")


class QueueFilterForm(FlaskForm):
    """Which comments the moderation queue lists (GET)."""

    class Meta:
        csrf = False

    state = SelectField(
        _l("Mostrar"),
        choices=[("pending", _l("Pendientes de revisión")), ("all", _l("Todos los reportados"))],
        default="pending",
    )
    page = IntegerField(_l("Página"), validators=[Optional(), NumberRange(min=1, max=100000)], default=1)


class LogFilterForm(FlaskForm):
    """Filters of the audit log (GET)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Acción"), choices=[("", _l("Todas"))] + [(a, ACTION_LABELS[a]) for a in AUDIT_ACTIONS],
                         default="")
    actor = SelectField(_l("Persona"), choices=[], default="")
    date_from = BoundedDateField(_l("Desde"), validators=[Optional()])
    date_to = BoundedDateField(_l("Hasta (inclusive)"), validators=[Optional()])
    page = IntegerField(_l("Página"), validators=[Optional(), NumberRange(min=1, max=100000)], default=1)

    def validate_date_to(self, field):
        """The end of the range cannot be before its start."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("La fecha final no puede ser anterior a la inicial."))


class ConsultationForm(FlaskForm):
    """A consultation's texts, window (in local time) and vote cap."""

    slug = StringField(
        _l("Identificador en la dirección"),
        description=_l("Minúsculas, números y guiones, por ejemplo v-plan-2026. No se puede cambiar después."),
        validators=[DataRequired(_l("Escribe el identificador.")), Length(max=80),
                    Regexp(consultations.SLUG_RE.pattern, message=_l("Solo minúsculas, números y guiones."))],
    )
    title = StringField(_l("Título"), validators=[DataRequired(_l("Escribe el título.")),
                                                   Length(min=3, max=consultations.TITLE_MAX)])
    description = TextAreaField(_l("Descripción"), validators=[Optional(), Length(max=consultations.DESCRIPTION_MAX)],
                                render_kw={"rows": 6})
    opens_at = LocalDateTimeField(_l("Apertura (hora de Colombia)"),
                                  validators=[InputRequired(_l("Indica la fecha y hora de apertura."))])
    closes_at = LocalDateTimeField(_l("Cierre (hora de Colombia)"),
                                   validators=[InputRequired(_l("Indica la fecha y hora de cierre."))])
    vote_cap = IntegerField(
        _l("Límite de votos por persona"),
        description=_l("Déjalo vacío para no limitar."),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Entre 1 y 1000."))],
    )

    def validate_closes_at(self, field):
        """The window must not be empty (said only once both ends are acceptable dates)."""
        if field.errors or self.opens_at.errors:
            return
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("La fecha de cierre debe ser posterior a la de apertura."))


class ConsultationEditForm(ConsultationForm):
    """Editing keeps the slug: links and exports depend on it."""

    slug = None


class ProposalForm(FlaskForm):
    """A proposal's texts and territory (its status changes only through the workflow)."""

    code = StringField(_l("Código"), description=_l("Referencia corta y única en la consulta, por ejemplo SN-07."),
                       validators=[DataRequired(_l("Escribe el código.")), Length(max=20)])
    title = StringField(_l("Título"), validators=[DataRequired(_l("Escribe el título.")),
                                                   Length(min=3, max=proposals.TITLE_MAX)])
    scope = SelectField(_l("Alcance"), choices=SCOPE_CHOICES, validate_choice=True)
    department_code = SelectField(_l("Departamento (solo subnacionales)"),
                                  choices=[("", _l("Ninguno"))] + department_choices(), default="")
    municipality = StringField(_l("Municipio (opcional)"), validators=[Optional(), Length(max=proposals.MUNICIPALITY_MAX)])
    theme = StringField(_l("Tema"), description=_l("Un tema existente o uno nuevo."),
                        validators=[Optional(), Length(max=proposals.THEME_MAX)])
    proposer = StringField(_l("Entidad que propone"), validators=[Optional(), Length(max=proposals.PROPOSER_MAX)])
    summary = TextAreaField(_l("Resumen"), validators=[Optional(), Length(max=proposals.SUMMARY_MAX)], render_kw={"rows": 3})
    body = TextAreaField(_l("Texto completo"), validators=[Optional(), Length(max=proposals.BODY_MAX)], render_kw={"rows": 8})

    def values(self):
        """The submitted fields as the services expect them."""
        return {name: self[name].data or "" for name in proposals.FIELDS}


class ImportForm(FlaskForm):
    """Upload a CSV of proposals."""

    file = FileField(_l("Archivo CSV (UTF-8)"), validators=[FileRequired(_l("Elige un archivo CSV."))])


class RoleForm(FlaskForm):
    """Give a role to the account with this e-mail."""

    email = EmailField(_l("Correo electrónico de la cuenta"), validators=[
        DataRequired(_l("Escribe el correo electrónico.")), Length(max=254),
        Email(_l("Escribe un correo electrónico válido."), check_deliverability=False),
    ])
    role = SelectField(_l("Rol"), choices=[(role, ROLE_LABELS[role]) for role in ROLES], default="moderator",
                       validate_choice=True)
    reason = TextAreaField(_l("Motivo (opcional)"), validators=[Optional(), Length(max=REASON_MAX)],
                           render_kw={"rows": 2})


class RevokeForm(FlaskForm):
    """Take the moderator role away (the button beside each moderator)."""

    reason = TextAreaField(_l("Motivo (opcional)"), validators=[Optional(), Length(max=REASON_MAX)])
