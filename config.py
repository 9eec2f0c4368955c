"""Configuration: one typed table of the settings that environment variables change.

Every such setting is declared once, in `SETTINGS`: its environment variable, its type (str,
int or bool), its default and, when the app wants another form, the config key and
conversion (SESSION_HOURS becomes PERMANENT_SESSION_LIFETIME). `AGA_CONFIG` picks the
environment (development | testing | production), a class below: its `env_defaults` change
a default there (the variable, when set, still wins); a setting it sets as a class
attribute is fixed there (the variable is not read). The environment is read when
`get_config` runs (the app factory calls it); a value that does not parse (MAIL_PORT=abc)
stops the start with a ConfigError naming the variable.
"""
import glob
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Optional

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.path.join(BASE_DIR, "instance")

#: Marker value that production refuses to start with.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"

ENVIRONMENTS = ("development", "testing", "production")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(RuntimeError):
    """The environment names an unknown config or holds a value that does not parse."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its type, its default, and the config key it fills."""

    name: str
    type: type
    default: Any
    #: The app.config key, when it is not `name`.
    config_key: Optional[str] = None
    #: Applied to the typed value (the default included) before it reaches app.config.
    convert: Optional[Callable[[Any], Any]] = None
    #: Environments that read this variable.
    environments: tuple = ENVIRONMENTS

    @property
    def key(self):
        return self.config_key or self.name

    def parse(self, raw):
        """The typed value of `raw` (an environment string); None for an empty int or bool (unset).

        :raises ValueError: with what was expected.
        """
        if self.type is str:
            return raw
        text = raw.strip()
        if not text:
            return None
        if self.type is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError("expected 1/0, true/false, yes/no or on/off")
        try:
            number = int(text)
        except ValueError:
            number = -1
        if number < 0:
            raise ValueError("expected a whole number (0 or more)")
        return number


def _driver_url(url):
    # Hosted providers still hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _ratelimit_storage_options(storage_uri, key_prefix):
    # Redis: bounded waits, so that a hung Redis cannot hang requests (the in-memory fallback
    # takes over), and keys under the site's own prefix, so that a reset clears only its own.
    if not storage_uri.startswith(("redis", "valkey")):
        return {}
    return {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "key_prefix": f"LIMITS:{key_prefix}"}


SETTINGS = (
    # Signs sessions, CSRF tokens and mailed links; production refuses the default.
    Setting("SECRET_KEY", str, DEFAULT_SECRET_KEY),
    Setting("DATABASE_URL", str, "sqlite:///" + os.path.join(INSTANCE_DIR, "aga_consulta.db"),
            config_key="SQLALCHEMY_DATABASE_URI", convert=_driver_url, environments=("development", "production")),
    # The testing config reads its own variable, so that a developer's DATABASE_URL is never
    # the one the suite empties.
    Setting("TEST_DATABASE_URL", str, "sqlite://",
            config_key="SQLALCHEMY_DATABASE_URI", convert=_driver_url, environments=("testing",)),
    #: Milliseconds a SQLite writer waits for the lock before giving up.
    Setting("SQLITE_BUSY_TIMEOUT_MS", int, 15000),

    # Rate limiting (Flask-Limiter). memory:// is per process: production uses Redis.
    Setting("RATELIMIT_STORAGE_URI", str, "memory://"),
    Setting("RATELIMIT_ENABLED", bool, True),
    Setting("RATELIMIT_KEY_PREFIX", str, "aga"),
    Setting("LOGIN_RATE_LIMIT", str, "10 per minute; 60 per hour"),
    #: Registrations answered as accepted per client address (accounts it may open); a form
    #: refused for bad input does not count. Tight against throwaway accounts, but shared
    #: addresses (carrier NAT, an event's wifi) share it too: raise it for an in-person event.
    Setting("REGISTER_RATE_LIMIT", str, "5 per hour; 30 per day"),
    #: Every registration form sent per client address, refused ones included (each valid
    #: one costs a password hash).
    Setting("REGISTER_ATTEMPT_RATE_LIMIT", str, "10 per minute; 100 per day"),
    #: Registration mails per e-mail address (a confirmation link, or the notice to an existing
    #: account's owner); beyond it the same answer, no mail.
    Setting("REGISTER_EMAIL_RATE_LIMIT", str, "3 per day"),
    Setting("VOTE_RATE_LIMIT", str, "60 per minute"),
    Setting("COMMENT_RATE_LIMIT", str, "10 per minute; 100 per day"),
    Setting("REPORT_RATE_LIMIT", str, "20 per hour"),
    #: Password-reset requests per client address.
    Setting("RESET_RATE_LIMIT", str, "5 per minute; 30 per hour"),
    #: Reset requests per e-mail address from any client, account or not (beyond it: 429), against
    #: mail bombing.
    Setting("RESET_EMAIL_RATE_LIMIT", str, "3 per hour"),
    #: Visits to a password-reset link (valid or not) per client address.
    Setting("RESET_TOKEN_RATE_LIMIT", str, "10 per minute; 60 per hour"),
    #: Confirmation mails a logged-in citizen may ask for.
    Setting("CONFIRM_RESEND_RATE_LIMIT", str, "3 per hour"),
    # Failed logins per e-mail address, from any client, account or not (accounts/throttle.py):
    # after LOGIN_LOCK_AFTER of them each further one locks the address for LOGIN_LOCK_SECONDS,
    # doubled each time up to LOGIN_LOCK_MAX_SECONDS; the count lasts LOGIN_FAILURE_WINDOW
    # seconds from the first failure, and a right password or a password reset forgets it.
    Setting("LOGIN_LOCK_AFTER", int, 5),
    Setting("LOGIN_LOCK_SECONDS", int, 60),
    Setting("LOGIN_LOCK_MAX_SECONDS", int, 3600),
    Setting("LOGIN_FAILURE_WINDOW", int, 24 * 3600),
    #: Failed logins across all accounts; beyond it every login waits for the window to end
    #: (a brake on credential stuffing: many accounts, one guess each). Sized above the
    #: national peak of docs/deployment.md (about 5 logins a second, one in ten failing).
    Setting("LOGIN_FAILURE_RATE_LIMIT", str, "500 per 5 minutes; 3000 per hour"),
    #: Results page and public CSVs per client, one budget for both: each computes the whole
    #: tally, so a loop of anonymous requests must not be able to keep the database busy.
    Setting("RESULTS_RATE_LIMIT", str, "60 per minute"),

    #: Number of proxies in front of the app that set X-Forwarded-For (0: trust none).
    Setting("PROXY_FIX_X_FOR", int, 0),
    # Requests larger than this get 413 before any view runs.
    Setting("MAX_CONTENT_LENGTH", int, 1 * 1024 * 1024),

    Setting("SESSION_COOKIE_SECURE", bool, False),
    Setting("SESSION_HOURS", int, 12, config_key="PERMANENT_SESSION_LIFETIME", convert=lambda hours: timedelta(hours=hours)),
    Setting("REMEMBER_DAYS", int, 14, config_key="REMEMBER_COOKIE_DURATION", convert=lambda days: timedelta(days=days)),

    #: werkzeug hash method for passwords (scrypt by default; tests use a cheaper one).
    Setting("PASSWORD_HASH_METHOD", str, "scrypt"),
    #: Proposals per page on a consultation page.
    Setting("PROPOSALS_PER_PAGE", int, 30),
    #: Commitments per page of a plan's tracker (/processes/<slug>/plan).
    Setting("COMMITMENTS_PER_PAGE", int, 25),
    #: Distinct reports that hide a comment until a moderator reviews it.
    Setting("COMMENT_AUTOHIDE_REPORTS", int, 3),
    #: Hours an account must have existed when it reports for its report to count toward that
    #: threshold (a confirmed e-mail or earlier participation count too); 0: any account counts.
    Setting("REPORT_TRUST_MIN_ACCOUNT_AGE_HOURS", int, 72, config_key="REPORT_TRUST_MIN_ACCOUNT_AGE",
            convert=lambda hours: timedelta(hours=hours)),
    #: Key for participant pseudonyms in exports; unset, one is derived from SECRET_KEY.
    Setting("PSEUDONYM_KEY", str, None),
    #: The transparency log (docs/transparency.md). The Ed25519 signer key of checkpoints and
    #: promises (`flask transparency keygen`), as text or the path of a file holding it; unset,
    #: development and testing generate one in instance/ on first use, production refuses to start.
    Setting("TRANSPARENCY_SIGNER_KEY", str, None),
    #: Key of the log's participant pseudonyms; unset, derived from SECRET_KEY. Never change it
    #: (nor SECRET_KEY, when unset) while a log exists: entries are fixed.
    Setting("TRANSPARENCY_PSEUDONYM_KEY", str, None),
    #: The log's name: checkpoint origins are `<LOG_ORIGIN>/<slug>`; unset, PUBLIC_BASE_URL's host + /transparency.
    Setting("LOG_ORIGIN", str, ""),
    #: Maximum merge delay, in seconds: entries are integrated into the published tree within it.
    Setting("TRANSPARENCY_MMD", int, 10),
    #: Whether the site integrates by itself after requests (off: only `flask transparency integrate`).
    Setting("TRANSPARENCY_AUTO_INTEGRATE", bool, True),
    #: Largest proposals CSV a moderator may import, in bytes, and its most rows.
    Setting("PROPOSAL_IMPORT_MAX_BYTES", int, 512 * 1024),
    Setting("PROPOSAL_IMPORT_MAX_ROWS", int, 2000),
    #: Largest PDF a staff member may upload (progress evidence, minutes), in bytes; the
    #: upload routes raise MAX_CONTENT_LENGTH to fit it (aga_consulta/uploads.py).
    Setting("UPLOAD_MAX_BYTES", int, 10 * 1024 * 1024),
    #: Where uploaded PDFs are stored, under random names.
    Setting("UPLOAD_DIR", str, os.path.join(INSTANCE_DIR, "uploads")),

    # Mail (aga_consulta/mail.py): "file" writes each message as an .eml into MAIL_OUTBOX_DIR,
    # "console" logs it, "smtp" sends it (production refuses the first two).
    Setting("MAIL_BACKEND", str, "file"),
    Setting("MAIL_OUTBOX_DIR", str, os.path.join(INSTANCE_DIR, "outbox")),
    Setting("MAIL_SERVER", str, "localhost"),
    Setting("MAIL_PORT", int, 587),
    #: STARTTLS after connecting (port 587); MAIL_USE_SSL is TLS from the first byte (port 465).
    Setting("MAIL_USE_TLS", bool, True),
    Setting("MAIL_USE_SSL", bool, False),
    Setting("MAIL_USERNAME", str, None),
    Setting("MAIL_PASSWORD", str, None),
    Setting("MAIL_TIMEOUT", int, 10),
    Setting("MAIL_FROM", str, "Consulta Estado Abierto <no-responder@localhost>"),
    #: Reset mails go out over SMTP after the response, so its timing reveals no account.
    Setting("MAIL_SMTP_IN_BACKGROUND", bool, True),
    #: Scheme and host of the links in mails (https://consulta.example.gov.co). Unset: the
    #: request's own host, which a forged Host header controls, so production sends no link then.
    Setting("PUBLIC_BASE_URL", str, "", convert=lambda url: url.rstrip("/")),

    #: Seconds a password-reset link stays valid (it also dies once used).
    Setting("PASSWORD_RESET_MAX_AGE", int, 3600),
    #: When on, citizens confirm their e-mail (a mailed link) before they can vote or comment.
    Setting("EMAIL_CONFIRMATION_REQUIRED", bool, False),
    #: Seconds an e-mail confirmation link stays valid.
    Setting("EMAIL_CONFIRMATION_MAX_AGE", int, 3 * 24 * 3600),

    # The entity responsible for personal data (Ley 1581 de 2012, art. 3 and 17), named in the
    # privacy policy, the terms and the accessibility statement (/privacidad, /terminos,
    # /accesibilidad). The defaults are placeholders that say so: a deployment sets its own.
    Setting("DATA_CONTROLLER_NAME", str, "Entidad responsable de la consulta (sin configurar)"),
    Setting("DATA_CONTROLLER_NIT", str, "000.000.000-0 (sin configurar)"),
    Setting("DATA_CONTROLLER_ADDRESS", str, "Dirección sin configurar, Bogotá D.C., Colombia"),
    #: Where holders send queries and claims about their data, and accessibility problems.
    Setting("DATA_CONTROLLER_EMAIL", str, "datos.personales@example.gov.co"),

    # The site's identity (aga_consulta/identity): header, page titles, footer, colours. Empty
    # entity and contact values fall back to the DATA_CONTROLLER_* ones above.
    #: The site's name: the header, and the end of every page title ("Page · SITE_NAME").
    Setting("SITE_NAME", str, "Consulta Estado Abierto"),
    #: The entity that runs the site, under the site's name and in the footer.
    Setting("ENTITY_NAME", str, ""),
    #: The logo, a path under static/ (an SVG scales best); the default is the project's own.
    Setting("SITE_LOGO", str, "img/logo.svg"),
    #: Colours as #rrggbb: the header and buttons, their hover, the focus ring. Each needs 4.5:1
    #: contrast with white (the first two) or the page (the focus ring) to stay WCAG AA.
    Setting("SITE_COLOR_PRIMARY", str, "#0b4f8a"),
    Setting("SITE_COLOR_PRIMARY_DARK", str, "#083a66"),
    Setting("SITE_COLOR_ACCENT", str, "#f2a900"),
    #: The footer's contact details (MinTIC, Resolución 1519 de 2020, annex 1): address, phone,
    #: e-mail, office hours.
    Setting("CONTACT_ADDRESS", str, ""),
    Setting("CONTACT_PHONE", str, "+57 601 000 0000 (sin configurar)"),
    Setting("CONTACT_EMAIL", str, ""),
    Setting("CONTACT_HOURS", str, "Lunes a viernes, de 8:00 a. m. a 5:00 p. m."),
    #: The GOV.CO bar above the header and in the footer, linking to www.gov.co (entities of the
    #: Colombian State must show it); 0 for a site that is not an entity's.
    Setting("GOVCO_BAR", bool, True),
)


class Config:
    """Settings shared by every environment that no environment variable changes."""

    #: Production-only checks (a secret of its own, a mail backend that really sends) ask this.
    IS_PRODUCTION = False
    #: This environment's defaults for some variables of SETTINGS (a set variable still wins).
    env_defaults = {}
    environment = None

    # hide_parameters: a database error's message names the statement but not its values
    # (session tokens, password hashes, e-mails), since the error handler logs that message.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    # X-RateLimit-* headers cost a storage round trip per limited request; a 429 still
    # carries Retry-After (errors.py).
    RATELIMIT_HEADERS_ENABLED = False
    # One counter per key and window: a hit is one Redis round trip (INCRBY and EXPIRE in
    # one script); the moving and sliding windows keep more per key and do more per hit.
    # Pinned rather than left to Flask-Limiter's default (tests/voting/test_limiter.py).
    RATELIMIT_STRATEGY = "fixed-window"
    # If Redis goes away, keep limiting per process rather than failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True

    MAX_FORM_MEMORY_SIZE = 500 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    #: Seconds the home page's figures are kept per process: each computation counts every vote.
    HOME_FIGURES_TTL = 60

    BABEL_DEFAULT_LOCALE = "es_CO"
    BABEL_DEFAULT_TIMEZONE = "America/Bogota"
    # Each domain package may ship its own catalogue (aga_consulta/<domain>/translations);
    # Flask-Babel merges them all into one "messages" domain.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        sorted(glob.glob(os.path.join(BASE_DIR, "aga_consulta", "**", "translations"), recursive=True))
    )
    LANGUAGES = ("es", "en")


class DevelopmentConfig(Config):
    """Local development: SQLite and in-memory rate limits."""

    environment = "development"
    DEBUG = False


class TestingConfig(Config):
    """Test suite: the database comes from TEST_DATABASE_URL (the fixtures pick a file)."""

    environment = "testing"
    env_defaults = {
        "SECRET_KEY": "testing-secret-key",
        "MAIL_OUTBOX_DIR": os.path.join(INSTANCE_DIR, "outbox-testing"),
        "RATELIMIT_KEY_PREFIX": "aga-test",
    }
    TESTING = True
    WTF_CSRF_ENABLED = False
    # Hashing cost is not what the suite measures; production keeps scrypt's default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Limits stay on (the code path is exercised) but high; rate-limit tests lower them.
    LOGIN_RATE_LIMIT = "10000 per minute"
    REGISTER_RATE_LIMIT = "10000 per minute"
    REGISTER_ATTEMPT_RATE_LIMIT = "10000 per minute"
    REGISTER_EMAIL_RATE_LIMIT = "10000 per minute"
    VOTE_RATE_LIMIT = "10000 per minute"
    COMMENT_RATE_LIMIT = "10000 per minute"
    REPORT_RATE_LIMIT = "10000 per minute"
    RESET_RATE_LIMIT = "10000 per minute"
    RESET_EMAIL_RATE_LIMIT = "10000 per minute"
    RESET_TOKEN_RATE_LIMIT = "10000 per minute"
    LOGIN_FAILURE_RATE_LIMIT = "10000 per minute"
    # Per-address login locks stay on but out of reach; throttle tests lower the threshold.
    LOGIN_LOCK_AFTER = 10000
    CONFIRM_RESEND_RATE_LIMIT = "10000 per minute"
    RESULTS_RATE_LIMIT = "10000 per minute"
    # Every visit counts afresh: tests look at figures right after changing them.
    HOME_FIGURES_TTL = 0
    # Tests integrate when they mean to: a run after some request would make counts drift.
    TRANSPARENCY_AUTO_INTEGRATE = False
    MAIL_BACKEND = "file"
    # Synchronous, so that tests see the outcome; tests/accounts/test_mail.py covers the thread.
    MAIL_SMTP_IN_BACKGROUND = False


class ProductionConfig(Config):
    """Production: PostgreSQL, Redis, secure cookies, SMTP, e-mail confirmation; refuses a default secret."""

    environment = "production"
    IS_PRODUCTION = True
    # Confirmation on: an account then needs a mailbox of its own (throwaway accounts cost
    # more), and registration answers a taken address as a new one.
    env_defaults = {"SESSION_COOKIE_SECURE": True, "MAIL_BACKEND": "smtp", "EMAIL_CONFIRMATION_REQUIRED": True}


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load(config_class, environ=None):
    """Return the settings of `config_class` that come from `environ` (os.environ), typed.

    Empty int and bool variables count as unset. Settings derived from others follow
    (REMEMBER_COOKIE_SECURE, RATELIMIT_STORAGE_OPTIONS).

    :raises ConfigError: naming every variable whose value does not parse.
    """
    environ = os.environ if environ is None else environ
    values, errors = {}, []
    for setting in SETTINGS:
        if config_class.environment not in setting.environments or hasattr(config_class, setting.key):
            continue
        raw = environ.get(setting.name)
        try:
            value = None if raw is None else setting.parse(raw)
        except ValueError as error:
            errors.append(f"{setting.name}={raw!r}: {error}")
            continue
        if value is None:
            value = config_class.env_defaults.get(setting.name, setting.default)
        if setting.convert is not None and value is not None:
            value = setting.convert(value)
        values[setting.key] = value
    if errors:
        raise ConfigError("Invalid configuration: " + "; ".join(errors))

    def current(key):
        return values[key] if key in values else getattr(config_class, key)

    # The remember-me cookie travels like the session cookie.
    values["REMEMBER_COOKIE_SECURE"] = current("SESSION_COOKIE_SECURE")
    values["RATELIMIT_STORAGE_OPTIONS"] = _ratelimit_storage_options(
        current("RATELIMIT_STORAGE_URI"), current("RATELIMIT_KEY_PREFIX"))
    return values


def get_config(name=None, environ=None):
    """Return the config class named by `name` or by AGA_CONFIG, its settings read from `environ`.

    :raises ConfigError: unknown name, or a variable whose value does not parse.
    """
    environ = os.environ if environ is None else environ
    name = name or environ.get("AGA_CONFIG", "development")
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"AGA_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}") from None
    return type(config_class.__name__, (config_class,), load(config_class, environ))
