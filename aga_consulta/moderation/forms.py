"""Moderation forms: every POST goes through one of these (CSRF), every GET filter is validated."""
from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
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


# --- the co-creation cycle: processes, surveys, events ---------------------------------

class StepRowForm(Form):
    """One row of the timeline: a step of one kind, its order and window (left empty: no such step)."""

    kind = HiddenField()
    include = BooleanField(_l("Incluir esta etapa"))
    position = IntegerField(_l("Orden"), validators=[Optional(), NumberRange(min=1, max=6, message=_l("Entre 1 y 6."))])
    opens_at = LocalDateTimeField(_l("Apertura (hora de Colombia)"), validators=[Optional()])
    closes_at = LocalDateTimeField(_l("Cierre (hora de Colombia)"), validators=[Optional()])
    description = TextAreaField(_l("Descripción de la etapa"), validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 2})

    def validate_closes_at(self, field):
        """An included step needs both ends of its window, in order."""
        if not self.include.data or field.errors or self.opens_at.errors:
            return
        if not self.opens_at.data or not field.data:
            raise ValidationError(_l("Indica la apertura y el cierre de la etapa."))
        if field.data <= self.opens_at.data:
            raise ValidationError(_l("La fecha de cierre debe ser posterior a la de apertura."))


class ProcessForm(FlaskForm):
    """A co-creation process: its texts and its timeline (one row per kind of step)."""

    slug = StringField(
        _l("Identificador en la dirección"),
        description=_l("Minúsculas, números y guiones, por ejemplo v-plan. No se puede cambiar después."),
        validators=[DataRequired(_l("Escribe el identificador.")), Length(max=80),
                    Regexp(consultations.SLUG_RE.pattern, message=_l("Solo minúsculas, números y guiones."))],
    )
    title = StringField(_l("Título"), validators=[DataRequired(_l("Escribe el título.")), Length(min=3, max=200)])
    description = TextAreaField(_l("Descripción"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 4})
    is_practice = BooleanField(_l("Proceso de práctica (se señala como tal en cada página)"))
    consultation = SelectField(_l("Consulta de las etapas de consulta y selección"), choices=[], default="")
    steps = FieldList(FormField(StepRowForm), min_entries=6, max_entries=6)

    def step_specs(self, consultation):
        """The included rows as create_process / update_process take them, in the order asked for."""
        rows = [entry.form for entry in self.steps if entry.form.include.data]
        rows.sort(key=lambda row: (row.position.data or 99, STEP_ORDER.index(row.kind.data)
                                   if row.kind.data in STEP_ORDER else 99))
        return [{"kind": row.kind.data, "opens_at": row.opens_at.data, "closes_at": row.closes_at.data,
                 "description": row.description.data or "",
                 "consultation": consultation if row.kind.data in ("consultation", "selection") else None}
                for row in rows]


class ProcessEditForm(ProcessForm):
    """Editing keeps the slug (links and exports depend on it) and the practice label."""

    slug = None
    is_practice = None


#: The kinds of step, in their usual order (the rows of the timeline form).
STEP_ORDER = ("thematic_survey", "workshops", "expert_sessions", "call_for_proposals", "consultation", "selection")

QUESTION_KIND_CHOICES = [
    ("", _l("(sin pregunta)")),
    ("single_choice", _l("Selección única")),
    ("multiple_choice", _l("Selección múltiple (con máximo)")),
    ("scale", _l("Escala")),
    ("free_text", _l("Texto libre")),
]


class QuestionRowForm(Form):
    """One question of a survey (a row left without a kind is no question)."""

    kind = SelectField(_l("Tipo de pregunta"), choices=QUESTION_KIND_CHOICES, default="", validate_choice=True)
    text = StringField(_l("Pregunta"), validators=[Optional(), Length(max=500)])
    required = BooleanField(_l("Obligatoria"))
    options = TextAreaField(_l("Opciones (una por línea)"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 3})
    max_choices = IntegerField(_l("Máximo de opciones (selección múltiple)"),
                               validators=[Optional(), NumberRange(min=1, max=50, message=_l("Entre 1 y 50."))])
    scale_min = IntegerField(_l("Mínimo de la escala"),
                             validators=[Optional(), NumberRange(min=-100, max=100, message=_l("Entre -100 y 100."))])
    scale_max = IntegerField(_l("Máximo de la escala"),
                             validators=[Optional(), NumberRange(min=-100, max=100, message=_l("Entre -100 y 100."))])

    def spec(self):
        """The row as create_survey takes it."""
        spec = {"kind": self.kind.data, "text": self.text.data or "", "required": bool(self.required.data),
                "options": [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]}
        if self.kind.data == "multiple_choice":
            spec["max_choices"] = self.max_choices.data
        if self.kind.data == "scale":
            spec["scale_min"] = self.scale_min.data if self.scale_min.data is not None else 1
            spec["scale_max"] = self.scale_max.data if self.scale_max.data is not None else 5
        return spec


#: Empty question rows the survey form offers.
QUESTION_ROWS = 8


class SurveyForm(FlaskForm):
    """A survey: texts, window and questions."""

    title = StringField(_l("Título"), validators=[DataRequired(_l("Escribe el título.")), Length(min=3, max=200)])
    description = TextAreaField(_l("Descripción"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 3})
    opens_at = LocalDateTimeField(_l("Apertura (hora de Colombia)"),
                                  validators=[InputRequired(_l("Indica la fecha y hora de apertura."))])
    closes_at = LocalDateTimeField(_l("Cierre (hora de Colombia)"),
                                   validators=[InputRequired(_l("Indica la fecha y hora de cierre."))])
    questions = FieldList(FormField(QuestionRowForm), min_entries=QUESTION_ROWS, max_entries=QUESTION_ROWS)

    def validate_closes_at(self, field):
        """The window must not be empty."""
        if field.errors or self.opens_at.errors:
            return
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("La fecha de cierre debe ser posterior a la de apertura."))

    def question_specs(self):
        """The rows that have a kind, as create_survey takes them."""
        return [entry.form.spec() for entry in self.questions if entry.form.kind.data]


class EventForm(FlaskForm):
    """A workshop or expert session."""

    kind = SelectField(_l("Tipo"), choices=[("workshop", _l("Taller de co-creación")),
                                            ("expert_session", _l("Conversación técnica con personas expertas"))],
                       validate_choice=True)
    theme = StringField(_l("Mesa temática"), validators=[DataRequired(_l("Escribe la mesa temática.")),
                                                          Length(min=3, max=200)])
    starts_at = LocalDateTimeField(_l("Inicio (hora de Colombia)"),
                                   validators=[InputRequired(_l("Indica la fecha y hora de inicio."))])
    ends_at = LocalDateTimeField(_l("Fin (hora de Colombia)"),
                                 validators=[InputRequired(_l("Indica la fecha y hora de fin."))])
    place = StringField(_l("Lugar"), validators=[Optional(), Length(max=300)])
    link = StringField(_l("Enlace (sesión virtual)"), description=_l("Empieza por https://"),
                       validators=[Optional(), Length(max=500)])
    capacity = IntegerField(_l("Capacidad"), description=_l("Déjalo vacío para no limitar."),
                            validators=[Optional(), NumberRange(min=1, max=100000, message=_l("Entre 1 y 100000."))])
    registration_open = BooleanField(_l("Inscripción previa abierta"))

    def validate_ends_at(self, field):
        """The event must end after it starts."""
        if field.errors or self.starts_at.errors:
            return
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("El fin debe ser posterior al inicio."))

    def values(self):
        """The fields as the event services take them."""
        return {"kind": self.kind.data, "theme": self.theme.data, "starts_at": self.starts_at.data,
                "ends_at": self.ends_at.data, "place": self.place.data or None, "link": self.link.data or None,
                "capacity": self.capacity.data, "registration_open": bool(self.registration_open.data)}


class OriginsForm(FlaskForm):
    """Where a proposal came from: workshops and survey themes (choices filled per proposal)."""

    events = MultiCheckboxField(_l("Talleres y sesiones de cuya relatoría surgió"), coerce=str, choices=[],
                                validate_choice=True)
    themes = MultiCheckboxField(_l("Temas de la consulta temática que atiende"), coerce=str, choices=[],
                                validate_choice=True)
