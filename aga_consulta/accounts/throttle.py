"""Throttles keyed on an e-mail address, counted in the rate limiter's storage.

The per-address limits of Flask-Limiter count per client address: an attacker with a few
addresses could guess one account's password without end. Here the count is per e-mail
address, in the same storage (Redis in production, so every worker and server shares it):

- failed logins with one address: after LOGIN_LOCK_AFTER of them, each further failure
  locks the address for LOGIN_LOCK_SECONDS, doubled at every failure up to
  LOGIN_LOCK_MAX_SECONDS; a right password (or a password reset) forgets the count;
- failed logins across the whole site (LOGIN_FAILURE_RATE_LIMIT): beyond it every login
  pauses until the window ends, a brake on credential stuffing (many accounts, one guess
  each, which no per-account count sees);
- quotas per address for requests that send mail (password-reset links, notices).

Keys are an HMAC of the normalised address, never the address, and count the same whether
or not an account has it: a lock says nothing about which addresses are registered.
"""
import hashlib
import hmac
import logging
import math
import time
from datetime import timedelta

from flask import current_app
from flask_babel import format_time, format_timedelta, lazy_gettext as _l
from limits import parse_many

from aga_consulta.errors import DomainError
from aga_consulta.extensions import limiter
from aga_consulta.timeutil import utcnow

log = logging.getLogger("aga_consulta.accounts")

#: The scope of the site-wide count of failed logins.
GLOBAL_FAILURES = "login-failures"
#: Beyond this the doubling stops mattering (and the number stays small).
_MAX_DOUBLINGS = 32


def _wait_and_time(seconds):
    # Rounded up to the minute: someone told "2 minutos" who comes back then gets in.
    minutes = max(1, math.ceil(seconds / 60))
    wait = timedelta(minutes=minutes) if minutes < 60 else timedelta(hours=math.ceil(minutes / 60))
    at = utcnow() + timedelta(seconds=math.ceil(seconds))
    return {"wait": format_timedelta(wait, threshold=1), "at": format_time(at, "short")}


class TooManyAttempts(DomainError):
    """Refused for a while (429); `retry_after` is the seconds until a new try may go through."""

    status = 429
    #: Logged with the refusal; never the address.
    reason = "throttled"
    #: The refusal, saying when to try again (%(wait)s, %(at)s filled in when raised).
    text = _l("Hiciste demasiados intentos. Podrás intentarlo de nuevo en %(wait)s (a partir de %(at)s).")

    def __init__(self, retry_after):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(str(self.text) % _wait_and_time(self.retry_after))


class LoginLocked(TooManyAttempts):
    """Too many failed logins with this e-mail address (whether or not it has an account)."""

    reason = "locked"
    text = _l("Hubo demasiados intentos fallidos de iniciar sesión con este correo. Por seguridad, podrás "
              "intentarlo de nuevo en %(wait)s (a partir de %(at)s). Si olvidaste tu contraseña, pide un "
              "enlace para cambiarla: al usarlo, el bloqueo termina.")


class LoginsPaused(TooManyAttempts):
    """Too many failed logins across the whole site: every login waits."""

    reason = "site-wide"
    text = _l("Hay demasiados intentos fallidos de iniciar sesión en todo el sitio y, por seguridad, el inicio "
              "de sesión está en pausa. Podrás intentarlo de nuevo en %(wait)s (a partir de %(at)s). Las "
              "sesiones abiertas siguen funcionando.")


class ResetsExceeded(TooManyAttempts):
    """Too many password-reset links asked for one e-mail address."""

    reason = "reset-quota"
    text = _l("Ya se pidieron varios enlaces para cambiar la contraseña de este correo. Revisa tu bandeja de "
              "entrada y la de correo no deseado; podrás pedir otro en %(wait)s (a partir de %(at)s).")


def _digest(email):
    # Keyed: the storage (a shared Redis) never holds something that confirms an address.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:32]


def _failures_key(email):
    return f"aga-login-failures/{_digest(email)}"


def _lock_key(email, failures):
    # One key per failure number, created with its own expiry by one atomic INCR: no
    # read-modify-write, and a key never outlives the lock it stands for.
    return f"aga-login-lock/{_digest(email)}/{failures}"


def _strategy():
    # The limiter's current strategy: Redis, or the per-process memory while Redis is down.
    return limiter.limiter


def lock_seconds(failures, config=None):
    """Seconds of the lock that failed login number `failures` starts (0: none yet)."""
    config = config or current_app.config
    beyond = failures - config["LOGIN_LOCK_AFTER"]
    if beyond < 0:
        return 0
    return min(config["LOGIN_LOCK_MAX_SECONDS"], config["LOGIN_LOCK_SECONDS"] * 2 ** min(beyond, _MAX_DOUBLINGS))


def check_login(email):
    """Raise while logins with `email` (normalised) are locked, or while every login pauses.

    :raises LoginLocked: this address failed too often; the lock has not run out.
    :raises LoginsPaused: the site-wide cap on failed logins is reached.
    """
    config = current_app.config
    strategy = _strategy()
    try:
        failures = strategy.storage.get(_failures_key(email))
        if failures and lock_seconds(failures, config):
            lock = _lock_key(email, failures)
            if strategy.storage.get(lock):
                raise LoginLocked(strategy.storage.get_expiry(lock) - time.time())
        for item in parse_many(config["LOGIN_FAILURE_RATE_LIMIT"]):
            if not strategy.test(item, GLOBAL_FAILURES):
                raise LoginsPaused(strategy.get_window_stats(item, GLOBAL_FAILURES).reset_time - time.time())
    except TooManyAttempts:
        raise
    except Exception:  # noqa: BLE001  (storage trouble must not lock everyone out)
        log.exception("login throttle unavailable; the per-address limits still hold")


def login_failed(email):
    """Count a failed login with `email` (normalised); return the seconds of the lock it starts, or 0."""
    config = current_app.config
    strategy = _strategy()
    try:
        for item in parse_many(config["LOGIN_FAILURE_RATE_LIMIT"]):
            strategy.hit(item, GLOBAL_FAILURES)
        # The count outlives the longest lock, or a lock would end with its count forgotten.
        window = max(config["LOGIN_FAILURE_WINDOW"], config["LOGIN_LOCK_MAX_SECONDS"], 1)
        failures = strategy.storage.incr(_failures_key(email), window)
        seconds = lock_seconds(failures, config)
        if seconds:
            strategy.storage.incr(_lock_key(email, failures), int(seconds))
        return seconds
    except Exception:  # noqa: BLE001
        log.exception("login throttle unavailable; failure not counted")
        return 0


def forget_login_failures(email):
    """Forget the failed logins of `email` (normalised): a right password, or a password reset."""
    try:
        _strategy().storage.clear(_failures_key(email))
    except Exception:  # noqa: BLE001
        log.exception("login throttle unavailable; failures not cleared")


def spend(scope, email, limit):
    """Count one use of `scope` by `email` against `limit`; return 0 within it, else the seconds until it frees.

    `limit` is a Flask-Limiter string ("3 per hour"). Storage trouble counts as within.
    """
    strategy = _strategy()
    digest = _digest(email)
    try:
        for item in parse_many(limit):
            if not strategy.hit(item, scope, digest):
                return max(1, strategy.get_window_stats(item, scope, digest).reset_time - time.time())
    except Exception:  # noqa: BLE001  (storage trouble must not block recovery)
        log.exception("%s quota unavailable; allowing", scope)
    return 0
