"""Registration, login, logout and "my participation"."""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from aga_consulta.accounts import services
from aga_consulta.accounts.forms import LoginForm, LogoutForm, RegistrationForm
from aga_consulta.accounts.participation import my_participation
from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.security import is_safe_next

bp = Blueprint("accounts", __name__)
log = logging.getLogger("aga_consulta.accounts")


def _next_target():
    target = request.args.get("next", "")
    return target if is_safe_next(target) else None


def _start_session(user, remember=False):
    # A fresh session at login: nothing an attacker planted before survives it.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    """Create a citizen account and log the person in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_citizen(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                department_code=form.department.data,
                accepted_terms=form.accept_terms.data,
            )
        except services.EmailTaken as error:
            form.email.errors.append(error.message)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            _start_session(user)
            flash(_("¡Bienvenida o bienvenido, %(name)s! Ya puedes votar y comentar.", name=user.name), "success")
            return redirect(_next_target() or url_for("main.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form, next=_next_target()), status


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Log in; on failure say only that the e-mail or password is wrong."""
    if current_user.is_authenticated:
        return redirect(_next_target() or url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, remote_addr=request.remote_addr)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            log.info("login ok user_id=%s", user.id)
            return redirect(_next_target() or url_for("main.index"))
        form.form_errors.append(_("Correo o contraseña incorrectos."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, next=_next_target()), status


@bp.route("/auth/logout", methods=["POST"])
def logout():
    """End the session everywhere: the session token is rotated, old cookies stop working."""
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.index"))
    if current_user.is_authenticated:
        services.rotate_session_token(current_user._get_current_object())
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Cerraste tu sesión."), "info")
    return redirect(url_for("main.index"))


@bp.route("/me")
@login_required
def me():
    """My participation: my votes and comments across consultations."""
    return render_template("accounts/me.html", **my_participation(current_user.id))
