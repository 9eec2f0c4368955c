"""Registration and login forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from aga_consulta.accounts.models import Role
from aga_consulta.accounts.names import PUBLIC_NAME_MAX, default_public_name, name_problem
from aga_consulta.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from aga_consulta.errors import ValidationFailed
from aga_consulta.territory.divipola import department_choices
from aga_consulta.text import clean_display_name


def _no_nul(form, field):
    if field.data and "\x00" in field.data:
        raise ValidationError(_l("El texto contiene caracteres no válidos."))


def _name_rules(public):
    """A field validator applying accounts/names.py to a legal or a public name.

    The service applies the same rules; the form checks them too, so that the message stands
    beside its field. The form's `role` (a citizen's unless set) decides whether words that
    sound like staff pass.
    """
    def check(form, field):
        try:
            cleaned = clean_display_name(field.data or "")
        except ValidationFailed:
            return  # a NUL character: _no_nul says so
        problem = name_problem(cleaned, role=getattr(form, "role", Role.CITIZEN), public=public)
        if problem:
            raise ValidationError(problem)
    return check


def _legal_name_field(description=None):
    return StringField(
        _l("Nombre completo"),
        description=description,
        validators=[DataRequired(_l("Escribe tu nombre.")), Length(min=2, max=120), _no_nul, _name_rules(public=False)],
        render_kw={"autocomplete": "name"},
    )


def _public_name_field():
    # Optional: empty, the service uses the default (first name and the surname's initial).
    return StringField(
        _l("Nombre público"),
        description=_l("Así aparecerás junto a tus comentarios. Si lo dejas vacío usaremos tu primer nombre y la "
                       "inicial de tu apellido (por ejemplo, «Ana T.»)."),
        validators=[Optional(), Length(max=PUBLIC_NAME_MAX), _no_nul, _name_rules(public=True)],
        render_kw={"autocomplete": "nickname", "maxlength": PUBLIC_NAME_MAX},
    )


def _department_field():
    return SelectField(
        _l("Departamento de residencia"),
        choices=[("", _l("Elige tu departamento"))] + department_choices(),
        validators=[DataRequired(_l("Elige tu departamento de residencia."))],
        validate_choice=True,
    )


def _new_password_field(label):
    # Registration and password reset share one policy and one presentation.
    return PasswordField(
        label,
        description=_l("Entre %(min)d y %(max)d caracteres. Una frase que recuerdes funciona bien.", min=MIN_LENGTH, max=MAX_LENGTH),
        validators=[DataRequired(_l("Escribe una contraseña."))],
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH, "maxlength": MAX_LENGTH},
    )


def _password_confirm_field():
    return PasswordField(
        _l("Repite la contraseña"),
        validators=[DataRequired(_l("Repite la contraseña.")), EqualTo("password", _l("Las contraseñas no coinciden."))],
        render_kw={"autocomplete": "new-password"},
    )


class RegistrationForm(FlaskForm):
    """New citizen account."""

    name = _legal_name_field()
    public_name = _public_name_field()
    email = EmailField(
        _l("Correo electrónico"),
        validators=[
            DataRequired(_l("Escribe tu correo electrónico.")),
            Length(max=254),
            Email(_l("Escribe un correo electrónico válido, por ejemplo nombre@dominio.co."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )
    password = _new_password_field(_l("Contraseña"))
    password_confirm = _password_confirm_field()
    department = _department_field()
    accept_terms = BooleanField(
        _l("Autorizo el tratamiento de mis datos personales según la Ley 1581 de 2012 y la política de privacidad."),
        validators=[DataRequired(_l("Debes aceptar el tratamiento de datos personales para registrarte."))],
    )

    def validate_password(self, field):
        """Apply the password policy (length, not a common password, not the name or e-mail)."""
        problem = password_problem(field.data or "", email=self.email.data or "", name=self.name.data or "")
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators=None):
        """Validate, and suggest the default public name in the empty field (shown if the form comes back)."""
        valid = super().validate(extra_validators)
        if not (self.public_name.data or "").strip() and not self.name.errors:
            try:
                self.public_name.data = default_public_name(self.name.data or "")
            except ValidationFailed:
                pass
        return valid


class LoginForm(FlaskForm):
    """Log in with e-mail and password."""

    email = EmailField(
        _l("Correo electrónico"),
        validators=[DataRequired(_l("Escribe tu correo electrónico.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Contraseña"),
        validators=[DataRequired(_l("Escribe tu contraseña.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Mantener la sesión iniciada en este dispositivo"))


class LogoutForm(FlaskForm):
    """Empty form: carries the CSRF token of the logout button."""


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField(
        _l("Correo electrónico"),
        description=_l("El correo con el que te registraste."),
        validators=[
            DataRequired(_l("Escribe tu correo electrónico.")),
            Length(max=254),
            Email(_l("Escribe un correo electrónico válido, por ejemplo nombre@dominio.co."), check_deliverability=False),
            _no_nul,
        ],
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(FlaskForm):
    """Choose a new password through a reset link."""

    password = _new_password_field(_l("Nueva contraseña"))
    password_confirm = _password_confirm_field()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        #: The account the link belongs to: the policy refuses its name and e-mail as password.
        self.user = user

    def validate_password(self, field):
        """Apply the registration password policy."""
        problem = password_problem(
            field.data or "",
            email=self.user.email if self.user else "",
            name=self.user.name if self.user else "",
        )
        if problem:
            raise ValidationError(problem)


class ConfirmEmailForm(FlaskForm):
    """Empty form: the button that confirms an e-mail (a GET from a mail scanner changes nothing)."""


class ResendConfirmationForm(FlaskForm):
    """Empty form: the button that sends a new confirmation link."""


class ProfileForm(FlaskForm):
    """Correct my legal name, public name and department (the holder's right to rectify)."""

    name = _legal_name_field(description=_l("Privado: solo lo ves tú y el equipo de moderación."))
    public_name = _public_name_field()
    department = _department_field()

    def __init__(self, *args, role=Role.CITIZEN, **kwargs):
        super().__init__(*args, **kwargs)
        #: The account's role: staff may keep names that sound like staff; citizens may not.
        self.role = role


class ChangePasswordForm(FlaskForm):
    """Change my password: the current one, then the new one twice (the policy is the service's)."""

    current_password = PasswordField(
        _l("Contraseña actual"),
        validators=[DataRequired(_l("Escribe tu contraseña actual.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password_field(_l("Nueva contraseña"))
    password_confirm = _password_confirm_field()


class DeleteAccountForm(FlaskForm):
    """Delete my account: my password again, and a ticked confirmation."""

    password = PasswordField(
        _l("Tu contraseña"),
        validators=[DataRequired(_l("Escribe tu contraseña.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("Entiendo que mi cuenta se elimina para siempre y que mis comentarios y votos se conservan sin mi nombre."),
        validators=[DataRequired(_l("Marca la casilla para confirmar que quieres eliminar tu cuenta."))],
    )
