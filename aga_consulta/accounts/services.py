"""Account operations: registration, authentication, roles, session rotation."""
import logging
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from aga_consulta.accounts import throttle
from aga_consulta.accounts.consent import POLICY_VERSION
from aga_consulta.accounts.models import ROLES, Role, SessionUser, User, new_session_token
from aga_consulta.accounts.names import checked_names
from aga_consulta.accounts.passwords import password_problem
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.timeutil import utcnow

INSTITUTION_MAX = 200
MUNICIPALITY_MAX = 120

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
    """Return the one stored form of an e-mail address: the key every lookup compares."""
    # email_validator's normalisation: the local part in NFC, the domain through IDNA (which
    # also folds case and fullwidth letters), so that `ana@bücher.co`, `ana@xn--bcher-kva.co`
    # and `ana@ｂücher.co` are one account. The local part is lower-cased, as it always was;
    # the domain is kept in its ASCII (punycode) form, because relays without SMTPUTF8 need
    # it and every address stored before this rule is lower-case ASCII, which maps to itself.
    text = unicodedata.normalize("NFC", (email or "").strip())
    try:
        address = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        # Not an address a form accepts (a typo at login, the seed's reserved domain): still
        # one key for it, so that it finds itself.
        return text.lower()
    local_part = unicodedata.normalize("NFC", address.local_part.lower())
    return f"{local_part}@{address.ascii_domain}"


def check_email(email):
    """Raise ValidationFailed unless `email` is an address the registration form would accept."""
    try:
        validate_email(unicodedata.normalize("NFC", (email or "").strip()), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed(_l("Escribe un correo electrónico válido, por ejemplo nombre@dominio.co.")) from None


def hash_password(password):
    """Hash a password with the configured werkzeug method (scrypt unless told otherwise)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def register_citizen(*, name, email, password, department_code, accepted_terms, role=Role.CITIZEN,
                     email_confirmed=False, institution=None, institution_department=None,
                     institution_municipality=None, now=None, public_name=None, consent_version=POLICY_VERSION):
    """Create and return a citizen account (`email_confirmed` when an operator vouches for the address).

    `public_name` is shown beside the person's comments (empty: the default of
    accounts/names.py); `consent_version` is the privacy policy accepted with `accepted_terms`.
    An institution account (role institution) names its institution, and a subnational
    government its department (and optionally municipality); no other account names one.

    :raises InvalidName: a legal or public name breaks the rules of accounts/names.py.
    :raises ValidationFailed: missing consent, unknown department, bad role or institution.
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
    institution_fields = _institution_fields(role, institution, institution_department, institution_municipality)
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
        **institution_fields,
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


def _institution_fields(role, name, department, municipality):
    """Return the institution columns of a new account, checked against its role."""
    name = " ".join((name or "").split())
    department = (department or "").strip() or None
    municipality = " ".join((municipality or "").split()) or None
    if role != Role.INSTITUTION:
        if name or department or municipality:
            raise ValidationFailed(_l("Solo una cuenta institucional representa a una institución."))
        return {}
    if not 3 <= len(name) <= INSTITUTION_MAX:
        raise ValidationFailed(_l("Indica el nombre de la institución (entre 3 y %(max)d caracteres).",
                                  max=INSTITUTION_MAX))
    if department is not None and department not in DEPARTMENTS:
        raise ValidationFailed(_l("Elige un departamento de la lista."))
    if municipality and (department is None or len(municipality) > MUNICIPALITY_MAX):
        raise ValidationFailed(_l("Un municipio necesita un departamento (y hasta %(max)d caracteres).",
                                  max=MUNICIPALITY_MAX))
    return {"institution": name, "institution_department_code": department, "institution_municipality": municipality}


def authenticate(email, password, remote_addr=None):
    """Return the active user with this e-mail and password, or None (same cost either way).

    A failure is logged with the client's address and the account tried (its id, never the
    e-mail typed or the password), so that attacks on one account can be traced. Failures
    are counted per e-mail address, known or not (`throttle`): enough of them lock it.

    :raises throttle.TooManyAttempts: the address is locked, or every login pauses; the
        password is not even checked.
    """
    email = normalize_email(email)
    try:
        throttle.check_login(email)
    except throttle.TooManyAttempts as error:
        log.warning("login refused ip=%s reason=%s retry_after=%s", remote_addr, error.reason, error.retry_after)
        raise
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return _login_failed(email, remote_addr, "unknown", "unknown")
    if not check_password_hash(user.password_hash, password or ""):
        return _login_failed(email, remote_addr, user.id, "password")
    if not user.active:
        return _login_failed(email, remote_addr, user.id, "inactive")
    throttle.forget_login_failures(email)
    return user


def _login_failed(email, remote_addr, user_id, reason):
    # Every kind of failure counts alike, so that the lock reveals nothing about the account.
    log.warning("login failed ip=%s user_id=%s reason=%s", remote_addr, user_id, reason)
    seconds = throttle.login_failed(email)
    if seconds:
        log.warning("login locked ip=%s user_id=%s seconds=%s", remote_addr, user_id, seconds)
    return None


def rotate_session_token(user):
    """Invalidate every session and remember-me cookie of `user` (logout, password change)."""
    user.session_token = new_session_token()
    db.session.commit()


def load_user_by_session_token(token):
    """Return the active account whose current session token is `token` (a SessionUser), or None."""
    if not token or len(token) > 64:
        return None
    users = User.__table__
    row = db.session.execute(
        select(users).where(users.c.session_token == token, users.c.active.is_(True))
    ).one_or_none()
    return None if row is None else SessionUser(row)


def get_user_by_email(email):
    """Return the user with this e-mail, or None."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))
