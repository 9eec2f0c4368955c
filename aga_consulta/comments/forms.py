"""Comment and report forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from aga_consulta.comments.services import BODY_MAX, BODY_MIN, REASON_MAX, REASON_MIN


class CommentForm(FlaskForm):
    """A comment, or a reply when parent_id is set."""

    body = TextAreaField(
        _l("Tu comentario"),
        validators=[
            DataRequired(_l("Escribe tu comentario.")),
            Length(min=BODY_MIN, max=BODY_MAX, message=_l("El comentario debe tener entre %(min)d y %(max)d caracteres.")),
        ],
        render_kw={"maxlength": BODY_MAX, "rows": 4},
    )
    parent_id = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,10}$", message=_l("Respuesta no válida."))])


#: The key under which a refused report keeps its reason for the comment's page (web.keep_form).
REPORT_KEY = "comment-report"


class ReportForm(FlaskForm):
    """Report an abusive comment."""

    reason = TextAreaField(
        _l("Motivo del reporte"),
        validators=[
            DataRequired(_l("Cuéntanos por qué reportas este comentario.")),
            Length(min=REASON_MIN, max=REASON_MAX, message=_l("El motivo debe tener entre %(min)d y %(max)d caracteres.")),
        ],
        render_kw={"maxlength": REASON_MAX, "rows": 2},
    )
