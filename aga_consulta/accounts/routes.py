"""Registration, login, logout, "my participation", password reset and e-mail confirmation."""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from aga_consulta.accounts import profile, recovery, services, throttle
from aga_consulta.accounts.consent import POLICY_VERSION
from aga_consulta.accounts.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ProfileForm,
    RegistrationForm,
    ResendConfirmationForm,
    ResetPasswordForm,
)
from aga_consulta.accounts.names import InvalidName
from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.security import is_safe_next
from aga_consulta.web import citizen_key, current_actor

bp = Blueprint("accounts", __name__)
log = logging.getLogger("aga_consulta.accounts")


def _next_target():
    target = request.args.get("next", "")
    return target if is_safe_next(target) else None


def _absolute_url(endpoint, **values):
    """Return the absolute URL of `endpoint` for a mail, or None when none can be trusted."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    # Without a configured address the link would point at whatever Host header the
    # request carried (reset-link poisoning): acceptable on a developer's machine only.
    if current_app.config["IS_PRODUCTION"]:
        return None
    return url_for(endpoint, _external=True, **values)


def _link_for(endpoint):
    """Return a function turning a token into the absolute URL of `endpoint` for a mail."""
    return lambda token: _absolute_url(endpoint, token=token)


def _no_store(response):
    # Pages reached through a secret link: neither the browser nor a proxy keeps them, and
    # the link does not travel on as the Referer of the page's own stylesheet request.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _throttled(template, form, error, **context):
    """The form again, with the refusal and when to try again: 429 with Retry-After."""
    form.form_errors.append(error.message)
    response = current_app.make_response((render_template(template, form=form, **context), error.status))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _end_session():
    # Nothing of the session survives but the language the person chose.
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_session(user, remember=False):
    # A fresh session at login: nothing an attacker planted before survives it.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


def _accepted(response):
    # A registration counts toward the accounts one address may open only when answered as
    # accepted (302: a new account, or, with confirmation on, a taken address answered alike).
    return response.status_code == 302


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_ATTEMPT_RATE_LIMIT"], methods=["POST"], scope="attempts")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"], deduct_when=_accepted)
def register():
    """Create a citizen account; log the person in, or, with confirmation on, mail the next step."""
    if current_user.is_authenticated:
        return redirect(url_for("portal.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_citizen(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                department_code=form.department.data,
                accepted_terms=form.accept_terms.data,
                public_name=form.public_name.data,
                consent_version=POLICY_VERSION,
            )
        except services.EmailTaken as error:
            if recovery.confirmation_required():
                return _registration_mailed(form.email.data, None)
            # Without confirmation a new account is logged in at once, which an address
            # with an account cannot imitate: the neutral refusal is the best answer left.
            form.email.errors.append(error.message)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            if recovery.confirmation_required():
                return _registration_mailed(form.email.data, user)
            _start_session(user)
            flash(_("¡Bienvenida o bienvenido, %(name)s! Ya puedes votar y comentar.", name=user.name), "success")
            return redirect(_next_target() or url_for("portal.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form, next=_next_target()), status


def _registration_mailed(email, user):
    """The one answer to a registration with confirmation on, whether the address was new or not."""
    # Nobody is logged in (an address with an account could not be): the mail carries the
    # next step, a confirmation link for a new account, a notice to the existing owner.
    recovery.mail_after_registration(
        email, user, _link_for("accounts.confirm_email"),
        _absolute_url("accounts.login"), _absolute_url("accounts.forgot_password"),
    )
    flash(_("Te enviamos un correo a %(email)s con el siguiente paso. Ábrelo para confirmar tu dirección y luego inicia sesión para votar y comentar. Si no lo ves en unos minutos, revisa la carpeta de correo no deseado.",
            email=services.normalize_email(email)), "info")
    return redirect(url_for("accounts.login", next=_next_target()))


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Log in; on failure say only that the e-mail or password is wrong."""
    if current_user.is_authenticated:
        return redirect(_next_target() or url_for("portal.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, remote_addr=request.remote_addr)
        except throttle.TooManyAttempts as error:
            return _throttled("accounts/login.html", form, error, next=_next_target())
        if user is not None:
            _start_session(user, remember=form.remember.data)
            log.info("login ok user_id=%s", user.id)
            return redirect(_next_target() or url_for("portal.index"))
        form.form_errors.append(_("Correo o contraseña incorrectos."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, next=_next_target()), status


@bp.route("/auth/logout", methods=["POST"])
def logout():
    """End the session everywhere: the session token is rotated, old cookies stop working."""
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("portal.index"))
    if current_user.is_authenticated:
        services.rotate_session_token(current_actor())
    _end_session()
    flash(_("Cerraste tu sesión."), "info")
    return redirect(url_for("portal.index"))


@bp.app_context_processor
def confirmation_context():
    """Templates may ask whether the visitor still has to confirm the e-mail (the banner)."""

    def email_confirmation_pending():
        return current_user.is_authenticated and recovery.confirmation_pending(current_user)

    return {"email_confirmation_pending": email_confirmation_pending}


@bp.route("/auth/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer never says whether the e-mail has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.request_password_reset(form.email.data, _link_for("accounts.reset_password"))
        except throttle.TooManyAttempts as error:
            return _throttled("accounts/forgot_password.html", form, error)
        flash(_("Si hay una cuenta activa con ese correo, te enviamos un enlace para elegir una nueva contraseña. Revisa tu bandeja de entrada y la de correo no deseado."), "info")
        return redirect(url_for("accounts.login"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot_password.html", form=form), status


def _invalid_link(error, retry_endpoint):
    """The page for a refused link: what happened and where to ask for a new one."""
    return _no_store(current_app.make_response((
        render_template("accounts/link_invalid.html", message=error.message, retry_endpoint=retry_endpoint),
        error.status,
    )))


@bp.route("/auth/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_TOKEN_RATE_LIMIT"])
def reset_password(token):
    """Choose a new password through a mailed link; all other sessions end."""
    try:
        user = recovery.user_for_reset_token(token)
    except recovery.InvalidLink as error:
        if request.method == "POST":
            log.warning("password reset refused reason=%s ip=%s",
                        "expired" if isinstance(error, recovery.ExpiredLink) else "invalid", request.remote_addr)
        return _invalid_link(error, "accounts.forgot_password")
    form = ResetPasswordForm(user=user)
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data)
        except services.WeakPassword as error:
            form.password.errors.append(error.message)
        except recovery.InvalidLink as error:
            return _invalid_link(error, "accounts.forgot_password")
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Tu contraseña cambió. Inicia sesión con la nueva; las sesiones abiertas en otros dispositivos se cerraron."), "success")
            return redirect(url_for("accounts.login"), code=303)
    if request.method == "POST":
        log.info("password reset refused reason=form user_id=%s", user.id)
    status = 400 if request.method == "POST" else 200
    return _no_store(current_app.make_response((render_template("accounts/reset_password.html", form=form, token=token), status)))


@bp.route("/auth/email/confirm")
@login_required
def confirm_email_status():
    """Whether my e-mail is confirmed, and a button for a new link."""
    return render_template(
        "accounts/confirm_status.html",
        form=ResendConfirmationForm(),
        required=recovery.confirmation_required(),
    )


@bp.route("/auth/email/confirm/resend", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["CONFIRM_RESEND_RATE_LIMIT"], key_func=citizen_key)
def resend_confirmation():
    """Mail me a new confirmation link."""
    form = ResendConfirmationForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.confirm_email_status"), code=303)
    user = current_actor()
    if user.email_confirmed_at is not None:
        flash(_("Tu correo ya está confirmado."), "info")
    elif recovery.send_confirmation(user, _link_for("accounts.confirm_email")):
        flash(_("Te enviamos un nuevo enlace de confirmación a %(email)s.", email=user.email), "success")
    else:
        flash(_("No pudimos enviar el correo en este momento. Inténtalo de nuevo más tarde."), "error")
    return redirect(url_for("accounts.confirm_email_status"), code=303)


@bp.route("/auth/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """Confirm an e-mail address with the mailed link (the change happens on the button's POST)."""
    try:
        recovery.user_for_confirmation_token(token)
    except recovery.InvalidLink as error:
        return _invalid_link(error, "accounts.confirm_email_status")
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            _user, newly = recovery.confirm_email(token)
        except recovery.InvalidLink as error:
            return _invalid_link(error, "accounts.confirm_email_status")
        flash(_("¡Listo! Confirmaste tu correo electrónico.") if newly else _("Tu correo ya está confirmado."), "success")
        # Registration with confirmation on logs nobody in: the next step is the login.
        return redirect(url_for("portal.index" if current_user.is_authenticated else "accounts.login"), code=303)
    return _no_store(current_app.make_response((render_template("accounts/confirm_email.html", form=form, token=token), 200)))


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Correct my legal name, public name and department."""
    user = current_actor()
    form = ProfileForm(role=user.role, data={"name": user.name, "public_name": user.public_name,
                                             "department": user.department_code})
    if form.validate_on_submit():
        try:
            profile.update_profile(user, name=form.name.data, public_name=form.public_name.data,
                                   department_code=form.department.data)
        except InvalidName as error:
            getattr(form, error.field).errors.append(error.message)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Guardamos los cambios de tus datos."), "success")
            return redirect(url_for("portal.me"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/profile.html", form=form), status


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=citizen_key, methods=["POST"])
def change_password():
    """Change my password; other devices are logged out, this one stays in."""
    user = current_actor()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            profile.change_password(user, current=form.current_password.data, new=form.password.data)
        except profile.WrongPassword as error:
            form.current_password.errors.append(error.message)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            login_user(user)
            flash(_("Cambiaste tu contraseña. Se cerró la sesión en tus otros dispositivos."), "success")
            return redirect(url_for("portal.me", _anchor="perfil"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
# The password is asked again: a stolen session must not be able to guess it here unlimited.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=citizen_key, methods=["POST"])
def delete_account():
    """Delete my account: it is anonymised, my votes and comments stay without my name, and I am logged out."""
    user = current_actor()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            profile.delete_account(user, password=form.password.data, confirmed=form.confirm.data)
        except profile.WrongPassword as error:
            form.password.errors.append(error.message)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            _end_session()
            flash(_("Eliminamos tu cuenta. Tus comentarios siguen publicados como «Participante eliminado» y tus votos siguen contados, sin tu nombre."), "info")
            return redirect(url_for("portal.index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/delete.html", form=form, is_staff=user.is_moderator), status
