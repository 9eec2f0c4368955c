"""Configuration, read from environment variables.

`AGA_CONFIG` picks the class (development | testing | production); every other
setting has an environment variable of the same name.
"""
import glob
import os
from datetime import timedelta

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.path.join(BASE_DIR, "instance")

#: Marker value that production refuses to start with.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _database_url(default):
    url = os.environ.get("DATABASE_URL", default)
    # Hosted providers still hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _ratelimit_storage_options(storage_uri, key_prefix):
    # Redis: bounded waits, so that a hung Redis cannot hang requests (the in-memory fallback
    # takes over), and keys under the site's own prefix, so that a reset clears only its own.
    if not storage_uri.startswith(("redis", "valkey")):
        return {}
    return {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "key_prefix": f"LIMITS:{key_prefix}"}


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(
        "sqlite:///" + os.path.join(INSTANCE_DIR, "aga_consulta.db")
    )
    # hide_parameters: a database error's message names the statement but not its values
    # (session tokens, password hashes, e-mails), since the error handler logs that message.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    #: Milliseconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 15000)

    # Rate limiting (Flask-Limiter). memory:// is per process: production uses Redis.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # X-RateLimit-* headers cost a storage round trip per limited request; a 429 still
    # carries Retry-After (errors.py).
    RATELIMIT_HEADERS_ENABLED = False
    # If Redis goes away, keep limiting per process rather than failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "aga")
    RATELIMIT_STORAGE_OPTIONS = _ratelimit_storage_options(RATELIMIT_STORAGE_URI, RATELIMIT_KEY_PREFIX)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute; 60 per hour")
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per minute; 100 per day")
    VOTE_RATE_LIMIT = os.environ.get("VOTE_RATE_LIMIT", "60 per minute")
    COMMENT_RATE_LIMIT = os.environ.get("COMMENT_RATE_LIMIT", "10 per minute; 100 per day")
    REPORT_RATE_LIMIT = os.environ.get("REPORT_RATE_LIMIT", "20 per hour")
    #: Password-reset requests per client address.
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute; 30 per hour")
    #: Reset mails per e-mail address (beyond it: the same answer, no mail), against mail bombing.
    RESET_EMAIL_RATE_LIMIT = os.environ.get("RESET_EMAIL_RATE_LIMIT", "3 per hour")
    #: Confirmation mails a logged-in citizen may ask for.
    CONFIRM_RESEND_RATE_LIMIT = os.environ.get("CONFIRM_RESEND_RATE_LIMIT", "3 per hour")
    #: Results page and public CSVs per client, one budget for both: each computes the whole
    #: tally, so a loop of anonymous requests must not be able to keep the database busy.
    RESULTS_RATE_LIMIT = os.environ.get("RESULTS_RATE_LIMIT", "60 per minute")

    #: Number of proxies in front of the app that set X-Forwarded-For (0: trust none).
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)

    # Requests larger than this get 413 before any view runs.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = 500 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 12))
    REMEMBER_COOKIE_DURATION = timedelta(days=_env_int("REMEMBER_DAYS", 14))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    BABEL_DEFAULT_LOCALE = "es_CO"
    BABEL_DEFAULT_TIMEZONE = "America/Bogota"
    # Each domain package may ship its own catalogue (aga_consulta/<domain>/translations);
    # Flask-Babel merges them all into one "messages" domain.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        sorted(glob.glob(os.path.join(BASE_DIR, "aga_consulta", "**", "translations"), recursive=True))
    )
    LANGUAGES = ("es", "en")

    #: werkzeug hash method for passwords (scrypt by default; tests use a cheaper one).
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    #: Proposals per page on a consultation page.
    PROPOSALS_PER_PAGE = _env_int("PROPOSALS_PER_PAGE", 30)
    #: Largest proposals CSV a moderator may import, in bytes and in data rows.
    PROPOSAL_IMPORT_MAX_BYTES = _env_int("PROPOSAL_IMPORT_MAX_BYTES", 512 * 1024)
    PROPOSAL_IMPORT_MAX_ROWS = _env_int("PROPOSAL_IMPORT_MAX_ROWS", 2000)
    #: Distinct reports that hide a comment until a moderator reviews it.
    COMMENT_AUTOHIDE_REPORTS = _env_int("COMMENT_AUTOHIDE_REPORTS", 3)
    #: Key for participant pseudonyms in exports; defaults to one derived from SECRET_KEY.
    PSEUDONYM_KEY = os.environ.get("PSEUDONYM_KEY")

    # Mail (aga_consulta/mail.py): "file" writes each message as an .eml into MAIL_OUTBOX_DIR,
    # "console" logs it, "smtp" sends it (production refuses the first two).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", os.path.join(INSTANCE_DIR, "outbox"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    #: STARTTLS after connecting (port 587); MAIL_USE_SSL is TLS from the first byte (port 465).
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Consulta Estado Abierto <no-responder@localhost>")
    #: Reset mails go out over SMTP after the response, so its timing reveals no account.
    MAIL_SMTP_IN_BACKGROUND = _env_bool("MAIL_SMTP_IN_BACKGROUND", True)
    #: Scheme and host of the links in mails (https://consulta.example.gov.co). Unset: the
    #: request's own host, which a forged Host header controls, so production sends no link then.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")

    #: Seconds a password-reset link stays valid (it also dies once used).
    PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)
    #: When on, citizens confirm their e-mail (a mailed link) before they can vote or comment.
    EMAIL_CONFIRMATION_REQUIRED = _env_bool("EMAIL_CONFIRMATION_REQUIRED", False)
    #: Seconds an e-mail confirmation link stays valid.
    EMAIL_CONFIRMATION_MAX_AGE = _env_int("EMAIL_CONFIRMATION_MAX_AGE", 3 * 24 * 3600)


class DevelopmentConfig(Config):
    """Local development: SQLite and in-memory rate limits."""

    DEBUG = False


class TestingConfig(Config):
    """Test suite: the database comes from TEST_DATABASE_URL (the fixtures pick a file)."""

    TESTING = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "testing-secret-key")
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False
    # Hashing cost is not what the suite measures; production keeps scrypt's default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Limits stay on (the code path is exercised) but high; rate-limit tests lower them.
    LOGIN_RATE_LIMIT = "10000 per minute"
    REGISTER_RATE_LIMIT = "10000 per minute"
    VOTE_RATE_LIMIT = "10000 per minute"
    COMMENT_RATE_LIMIT = "10000 per minute"
    REPORT_RATE_LIMIT = "10000 per minute"
    RESET_RATE_LIMIT = "10000 per minute"
    RESET_EMAIL_RATE_LIMIT = "10000 per minute"
    CONFIRM_RESEND_RATE_LIMIT = "10000 per minute"
    RESULTS_RATE_LIMIT = "10000 per minute"
    MAIL_BACKEND = "file"
    # Synchronous, so that tests see the outcome; tests/accounts/test_mail.py covers the thread.
    MAIL_SMTP_IN_BACKGROUND = False
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", os.path.join(INSTANCE_DIR, "outbox-testing"))
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "aga-test")
    RATELIMIT_STORAGE_OPTIONS = _ratelimit_storage_options(Config.RATELIMIT_STORAGE_URI, RATELIMIT_KEY_PREFIX)


class ProductionConfig(Config):
    """Production: PostgreSQL, Redis, secure cookies; refuses a default secret."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name=None):
    """Return the config class named by `name` or by AGA_CONFIG."""
    name = name or os.environ.get("AGA_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"AGA_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}") from None
