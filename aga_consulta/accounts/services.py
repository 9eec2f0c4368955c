"""Account operations: registration, authentication, roles, session rotation."""
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from aga_consulta.accounts.consent import POLICY_VERSION
from aga_consulta.accounts.models import ROLES, Role, User, new_session_token
from aga_consulta.accounts.names import checked_names
from aga_consulta.accounts.passwords import password_problem
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.timeutil import utcnow

log = logging.getLogger("aga_consulta.accounts")

# A real hash of a random string: checking it costs what checking a real account costs,
# so that a missing e-mail cannot be told apart by response time.
_DUMMY_HASH = generate_password_hash("aga-consulta-timing-equaliser")


class EmailTaken(DomainError):
    """An account with this e-mail exists."""

    message = _l("No se pudo crear la cuenta con ese correo. Si ya tienes una, inicia sesión o recupera tu contraseña.")


class WeakPassword(ValidationFailed):
    """The password breaks the password policy."""


def normalize_email(email):
    """Return the canonical form of an e-mail address (trimmed, lower-case)."""
    return (email or "").strip().lower()


def hash_password(password):
    """Hash a password with the configured werkzeug method (scrypt unless told otherwise)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def register_citizen(*, name, email, password, department_code, accepted_terms, role=Role.CITIZEN,
                     email_confirmed=False, now=None, public_name=None, consent_version=POLICY_VERSION):
    """Create and return a citizen account (`email_confirmed` when an operator vouches for the address).

    `public_name` is shown beside the person's comments (empty: the default of
    accounts/names.py); `consent_version` is the privacy policy accepted with `accepted_terms`.

    :raises InvalidName: a legal or public name breaks the rules of accounts/names.py.
    :raises ValidationFailed: missing consent, unknown department, bad role.
    :raises WeakPassword: the password breaks the policy.
    :raises EmailTaken: the (normalised) e-mail is already registered.
    """
    if not accepted_terms:
        raise ValidationFailed(_l("Debes aceptar el tratamiento de datos personales para registrarte."))
    name, public_name = checked_names(name, public_name, role=role)
    if department_code not in DEPARTMENTS:
        raise ValidationFailed(_l("Elige un departamento de la lista."))
    if role not in ROLES:
        raise ValidationFailed(_l("Rol desconocido."))
    email = normalize_email(email)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise WeakPassword(problem)
    now = now or utcnow()
    user = User(
        name=name,
        public_name=public_name,
        email=email,
        password_hash=hash_password(password),
        department_code=department_code,
        role=role,
        consented_at=now,
        consent_version=consent_version,
        created_at=now,
        email_confirmed_at=now if email_confirmed else None,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # The unique constraint decides, also when two registrations race.
        db.session.rollback()
        raise EmailTaken() from None
    log.info("account registered user_id=%s", user.id)
    return user


def authenticate(email, password, remote_addr=None):
    """Return the active user with this e-mail and password, or None (same cost either way).

    A failure is logged with the client's address and the account tried (its id, never the
    e-mail typed or the password), so that attacks on one account can be traced.
    """
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        log.warning("login failed ip=%s user_id=unknown", remote_addr)
        return None
    if not check_password_hash(user.password_hash, password or ""):
        log.warning("login failed ip=%s user_id=%s reason=password", remote_addr, user.id)
        return None
    if not user.active:
        log.warning("login failed ip=%s user_id=%s reason=inactive", remote_addr, user.id)
        return None
    return user


def rotate_session_token(user):
    """Invalidate every session and remember-me cookie of `user` (logout, password change)."""
    user.session_token = new_session_token()
    db.session.commit()


def load_user_by_session_token(token):
    """Return the active user whose current session token is `token`, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


def get_user_by_email(email):
    """Return the user with this e-mail, or None."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))
