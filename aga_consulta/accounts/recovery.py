"""Account recovery: password reset and e-mail confirmation through signed, expiring links.

The links carry an itsdangerous token (signed with SECRET_KEY, timestamped), not a row in a
table. A reset token also carries a keyed fingerprint of the account's current password hash
and e-mail, so it dies the moment the password changes, including by its own use: single use
without storing anything, and a leaked database holds no live token. The reset itself is a
compare-and-set on the old hash, so two requests racing with one link cannot both succeed.
"""
import hashlib
import hmac
import logging
from datetime import timedelta, timezone

from flask import current_app
from flask_babel import format_timedelta, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, update

from aga_consulta import mail
from aga_consulta.accounts import throttle
from aga_consulta.accounts.models import User, new_session_token
from aga_consulta.accounts.passwords import password_problem
from aga_consulta.accounts.services import WeakPassword, get_user_by_email, hash_password, normalize_email
from aga_consulta.errors import DomainError
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow

log = logging.getLogger("aga_consulta.accounts")

RESET_SALT = "aga-consulta/password-reset"
CONFIRM_SALT = "aga-consulta/email-confirmation"
#: Longer strings are not tokens we issued; refused before any work.
MAX_TOKEN_LENGTH = 512


class InvalidLink(DomainError):
    """A reset or confirmation link that is tampered with, already used or for a closed account."""

    status = 400
    message = _l("El enlace no es válido o ya se usó. Pide uno nuevo.")


class ExpiredLink(InvalidLink):
    """A genuine link whose time ran out."""

    message = _l("El enlace venció. Pide uno nuevo.")


def _serializer(salt, now=None):
    # `now` pins the clock (issuing a token in the past, checking one in the future), so that
    # expiry is tested without waiting.
    signer = TimestampSigner
    if now is not None:
        timestamp = int(now.replace(tzinfo=timezone.utc).timestamp())
        signer = type("PinnedClockSigner", (TimestampSigner,), {"get_timestamp": lambda self: timestamp})
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=signer)


def _load(token, salt, max_age, now=None):
    """Return the payload of a token we issued, or raise.

    :raises ExpiredLink: the signature is good but older than `max_age` seconds.
    :raises InvalidLink: anything else (tampered, wrong kind, malformed).
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    try:
        payload = _serializer(salt, now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredLink() from None
    except BadSignature:
        raise InvalidLink() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise InvalidLink()
    return payload


def _fingerprint(user):
    # Keyed, so the token (readable, only signed) says nothing checkable about the hash.
    key = current_app.config["SECRET_KEY"].encode()
    material = f"{user.id}|{user.email}|{user.password_hash}".encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def make_reset_token(user, now=None):
    """Return a password-reset token for `user`, valid PASSWORD_RESET_MAX_AGE seconds from `now`."""
    return _serializer(RESET_SALT, now).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token, now=None):
    """Return the active user a reset token was issued to, if it is still usable.

    :raises ExpiredLink: the token is older than PASSWORD_RESET_MAX_AGE.
    :raises InvalidLink: tampered, already used, the password changed since, or account inactive.
    """
    payload = _load(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"], now)
    user = db.session.get(User, payload["u"])
    if user is None or not user.active or not hmac.compare_digest(str(payload.get("f", "")), _fingerprint(user)):
        raise InvalidLink()
    return user


def reset_password(token, new_password, now=None):
    """Set a new password through a reset token; every existing session of the account ends.

    The e-mail counts as confirmed afterwards: the link proved the person reads that mailbox.

    :raises ExpiredLink: the token is too old.
    :raises InvalidLink: the token is tampered with, used, outdated, or the account inactive.
    :raises WeakPassword: the new password breaks the policy.
    """
    try:
        user = user_for_reset_token(token, now)
    except InvalidLink as error:
        log.warning("password reset refused reason=%s", "expired" if isinstance(error, ExpiredLink) else "invalid")
        raise
    problem = password_problem(new_password or "", email=user.email, name=user.name)
    if problem:
        raise WeakPassword(problem)
    now = now or utcnow()
    # Compare-and-set on the hash the token was checked against: of two requests racing
    # with the same link, only one changes the password.
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash, User.active.is_(True))
        .values(
            password_hash=hash_password(new_password),
            session_token=new_session_token(),
            email_confirmed_at=func.coalesce(User.email_confirmed_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("password reset refused reason=used user_id=%s", user.id)
        raise InvalidLink()
    db.session.commit()
    db.session.refresh(user)
    # The link proved the mailbox: a login lock on the address ends with it.
    throttle.forget_login_failures(user.email)
    log.info("password reset ok user_id=%s", user.id)
    return user


def _duration(seconds):
    # Whole days, hours or minutes, rounded down: a mail may understate how long a link
    # lives, never overstate it (babel alone would turn 90 minutes into "2 horas").
    for unit in (86400, 3600, 60):
        if seconds >= unit:
            return format_timedelta(timedelta(seconds=seconds - seconds % unit), threshold=1)
    return format_timedelta(timedelta(seconds=seconds), threshold=1)


def request_password_reset(email, link_for, now=None):
    """Mail a reset link if `email` belongs to an active account; return whether a mail went out.

    The caller shows the same answer either way (no account enumeration). `link_for(token)`
    turns a token into the absolute URL of the reset page, or None when no trustworthy URL
    can be built (then nothing is sent).

    :raises throttle.ResetsExceeded: RESET_EMAIL_RATE_LIMIT requests for this address, from
        any client, counted before the lookup so that an unknown address is refused alike.
    """
    email = normalize_email(email)
    # Per address, on the rate limiter's storage (Redis in production): nobody can flood
    # someone's mailbox from many client addresses.
    wait = throttle.spend("reset-mail", email, current_app.config["RESET_EMAIL_RATE_LIMIT"])
    if wait:
        log.warning("password reset throttled for an address")
        raise throttle.ResetsExceeded(wait)
    user = get_user_by_email(email)
    if user is None or not user.active:
        log.info("password reset requested for no active account")
        return False
    # In the background: a registered address must not answer slower than an unknown one.
    return _mail_link(
        user, "password reset", link_for(make_reset_token(user, now)), _("Cambia tu contraseña"),
        _("Recibimos una solicitud para cambiar la contraseña de tu cuenta en la consulta ciudadana. Para elegir una nueva, abre este enlace:"),
        [_("El enlace vence en %(duration)s y sirve una sola vez.", duration=_duration(current_app.config["PASSWORD_RESET_MAX_AGE"])),
         _("Si no pediste el cambio, ignora este mensaje: tu contraseña sigue siendo la misma.")],
        background=True,
    )


def _mail_link(user, kind, link, subject, before, after, background=False):
    # One shape for every mailed link: greeting, why, the link, what to know; logged by kind.
    if link is None:
        log.error("%s mail not sent: no PUBLIC_BASE_URL to build the link", kind)
        return False
    body = "\n\n".join([_("Hola, %(name)s:", name=user.name), before, link, *after]) + "\n"
    try:
        mail.send_mail(user.email, subject, body, background=background)
    except mail.MailError as error:
        log.error("%s mail failed user_id=%s: %s", kind, user.id, error)
        return False
    log.info("%s mail sent user_id=%s", kind, user.id)
    return True


def confirmation_required():
    """Whether citizens must confirm their e-mail before voting or commenting (configuration)."""
    return bool(current_app.config.get("EMAIL_CONFIRMATION_REQUIRED"))


def confirmation_pending(user):
    """Whether `user` must still confirm the e-mail before taking part."""
    return confirmation_required() and user.email_confirmed_at is None


def make_confirmation_token(user, now=None):
    """Return an e-mail confirmation token for `user` and the address the account has now."""
    return _serializer(CONFIRM_SALT, now).dumps({"u": user.id, "e": user.email})


def user_for_confirmation_token(token, now=None):
    """Return the active user a confirmation token was issued to.

    :raises ExpiredLink: older than EMAIL_CONFIRMATION_MAX_AGE.
    :raises InvalidLink: tampered, for another address, or the account is inactive.
    """
    payload = _load(token, CONFIRM_SALT, current_app.config["EMAIL_CONFIRMATION_MAX_AGE"], now)
    user = db.session.get(User, payload["u"])
    if user is None or not user.active or payload.get("e") != user.email:
        raise InvalidLink()
    return user


def confirm_email(token, now=None):
    """Mark the e-mail of the token's account as confirmed; return (user, newly_confirmed).

    Confirming twice is harmless: the first date stays.

    :raises ExpiredLink: the token is too old.
    :raises InvalidLink: the token is tampered with or its account gone or inactive.
    """
    try:
        user = user_for_confirmation_token(token, now)
    except InvalidLink as error:
        log.warning("e-mail confirmation refused reason=%s", "expired" if isinstance(error, ExpiredLink) else "invalid")
        raise
    if user.email_confirmed_at is not None:
        return user, False
    user.email_confirmed_at = now or utcnow()
    db.session.commit()
    log.info("e-mail confirmed user_id=%s", user.id)
    return user, True


def send_confirmation(user, link_for, now=None, background=False):
    """Mail `user` a link that confirms the address; return whether it went out."""
    return _mail_link(
        user, "confirmation", link_for(make_confirmation_token(user, now)), _("Confirma tu correo electrónico"),
        _("Para votar y comentar en la consulta ciudadana, confirma que este es tu correo abriendo este enlace:"),
        [_("El enlace vence en %(duration)s. Si no creaste una cuenta, ignora este mensaje.", duration=_duration(current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]))],
        background=background,
    )


def mail_after_registration(email, new_user, confirmation_link_for, login_url, reset_url, now=None):
    """Mail the one message a registration with confirmation on sends; return whether it went out.

    A new account (`new_user`) gets its confirmation link; an address that already has an
    account (`new_user` None) gets a notice that someone tried to register with it, with
    the way to log in or to reset the password. Both go in the background and spend the
    same per-address quota (REGISTER_EMAIL_RATE_LIMIT), so that the answer, and its time,
    are the same in both cases and nobody can flood a mailbox through the form.
    """
    email = normalize_email(email)
    if throttle.spend("register-mail", email, current_app.config["REGISTER_EMAIL_RATE_LIMIT"]):
        log.warning("registration mail throttled for an address")
        return False
    if new_user is not None:
        return send_confirmation(new_user, confirmation_link_for, now, background=True)
    owner = get_user_by_email(email)
    if owner is None or not owner.active:
        log.info("registration notice for no active account")
        return False
    if reset_url is None:
        login_url = None  # no trustworthy address for the links: no mail (logged)
    return _mail_link(
        owner, "registration notice", login_url, _("Intento de registro con tu correo"),
        _("Alguien intentó crear una cuenta en la consulta ciudadana con este correo, pero ya tienes una. Si fuiste tú, no necesitas otra: inicia sesión aquí:"),
        [_("Si olvidaste tu contraseña, pide un enlace para cambiarla aquí:") + "\n" + (reset_url or ""),
         _("Si no fuiste tú, ignora este mensaje: tu cuenta no cambió y nadie puede usar tu correo para crear otra.")],
        background=True,
    )
