"""config.py: every setting's default, environment overrides by type, bad values, environments.

Each test hands `get_config`/`load` its own environment, so that the variables of the run
(TEST_DATABASE_URL, RATELIMIT_STORAGE_URI on CI) do not change what is checked.
"""
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

import config
from aga_consulta import create_app
from tests.helpers import TEST_SIGNER_KEY
from config import (
    CONFIGS, DEFAULT_SECRET_KEY, INSTANCE_DIR, SETTINGS, Config, ConfigError, DevelopmentConfig,
    ProductionConfig, TestingConfig, get_config, load,
)

ROOT = Path(__file__).resolve().parents[2]

#: Every environment-driven setting with no variable set, as app.config gets it (development).
DEFAULTS = {
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(INSTANCE_DIR, "aga_consulta.db"),
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "aga",
    "RATELIMIT_STORAGE_OPTIONS": {},
    "LOGIN_RATE_LIMIT": "10 per minute; 60 per hour",
    "REGISTER_RATE_LIMIT": "5 per hour; 30 per day",
    "REGISTER_ATTEMPT_RATE_LIMIT": "10 per minute; 100 per day",
    "REGISTER_EMAIL_RATE_LIMIT": "3 per day",
    "VOTE_RATE_LIMIT": "60 per minute",
    "COMMENT_RATE_LIMIT": "10 per minute; 100 per day",
    "REPORT_RATE_LIMIT": "20 per hour",
    "RESET_RATE_LIMIT": "5 per minute; 30 per hour",
    "RESET_EMAIL_RATE_LIMIT": "3 per hour",
    "RESET_TOKEN_RATE_LIMIT": "10 per minute; 60 per hour",
    "LOGIN_LOCK_AFTER": 5,
    "LOGIN_LOCK_SECONDS": 60,
    "LOGIN_LOCK_MAX_SECONDS": 3600,
    "LOGIN_FAILURE_WINDOW": 24 * 3600,
    "LOGIN_FAILURE_RATE_LIMIT": "500 per 5 minutes; 3000 per hour",
    "CONFIRM_RESEND_RATE_LIMIT": "3 per hour",
    "RESULTS_RATE_LIMIT": "60 per minute",
    "PROXY_FIX_X_FOR": 0,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "PASSWORD_HASH_METHOD": "scrypt",
    "PROPOSALS_PER_PAGE": 30,
    "COMMITMENTS_PER_PAGE": 25,
    "COMMENT_AUTOHIDE_REPORTS": 3,
    "REPORT_TRUST_MIN_ACCOUNT_AGE": timedelta(hours=72),
    "PSEUDONYM_KEY": None,
    "TRANSPARENCY_SIGNER_KEY": None,
    "TRANSPARENCY_PSEUDONYM_KEY": None,
    "LOG_ORIGIN": "",
    "TRANSPARENCY_MMD": 10,
    "TRANSPARENCY_AUTO_INTEGRATE": True,
    "PROPOSAL_IMPORT_MAX_BYTES": 512 * 1024,
    "PROPOSAL_IMPORT_MAX_ROWS": 2000,
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "UPLOAD_DIR": os.path.join(INSTANCE_DIR, "uploads"),
    "MAIL_BACKEND": "file",
    "MAIL_OUTBOX_DIR": os.path.join(INSTANCE_DIR, "outbox"),
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_TIMEOUT": 10,
    "MAIL_FROM": "Consulta Estado Abierto <no-responder@localhost>",
    "MAIL_SMTP_IN_BACKGROUND": True,
    "PUBLIC_BASE_URL": "",
    "PASSWORD_RESET_MAX_AGE": 3600,
    "EMAIL_CONFIRMATION_REQUIRED": False,
    "EMAIL_CONFIRMATION_MAX_AGE": 3 * 24 * 3600,
    "DATA_CONTROLLER_NAME": "Entidad responsable de la consulta (sin configurar)",
    "DATA_CONTROLLER_NIT": "000.000.000-0 (sin configurar)",
    "DATA_CONTROLLER_ADDRESS": "Dirección sin configurar, Bogotá D.C., Colombia",
    "DATA_CONTROLLER_EMAIL": "datos.personales@example.gov.co",
    "SITE_NAME": "Consulta Estado Abierto",
    "ENTITY_NAME": "",
    "SITE_LOGO": "img/logo.svg",
    "SITE_COLOR_PRIMARY": "#0b4f8a",
    "SITE_COLOR_PRIMARY_DARK": "#083a66",
    "SITE_COLOR_ACCENT": "#f2a900",
    "CONTACT_ADDRESS": "",
    "CONTACT_PHONE": "+57 601 000 0000 (sin configurar)",
    "CONTACT_EMAIL": "",
    "CONTACT_HOURS": "Lunes a viernes, de 8:00 a. m. a 5:00 p. m.",
    "GOVCO_BAR": True,
}


def settings(name, **environ):
    """The config class of environment `name` built from exactly `environ`."""
    return get_config(name, environ=environ)


def test_every_default_in_development():
    assert load(DevelopmentConfig, {}) == DEFAULTS


def test_production_defaults_differ_only_where_declared():
    production = load(ProductionConfig, {})
    changed = {key: value for key, value in production.items() if DEFAULTS[key] != value}
    assert changed == {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True, "MAIL_BACKEND": "smtp",
                       "EMAIL_CONFIRMATION_REQUIRED": True}
    assert set(production) == set(DEFAULTS)


def test_testing_defaults_and_fixed_values():
    testing = settings("testing")
    expected = dict(
        DEFAULTS,
        SECRET_KEY="testing-secret-key",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        MAIL_OUTBOX_DIR=os.path.join(INSTANCE_DIR, "outbox-testing"),
        RATELIMIT_KEY_PREFIX="aga-test",
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        MAIL_BACKEND="file",
        MAIL_SMTP_IN_BACKGROUND=False,
        LOGIN_LOCK_AFTER=10000,
        TRANSPARENCY_AUTO_INTEGRATE=False,
        **{name: "10000 per minute" for name in DEFAULTS if name.endswith("_RATE_LIMIT")},
    )
    assert {key: getattr(testing, key) for key in DEFAULTS} == expected
    assert testing.TESTING and not testing.WTF_CSRF_ENABLED


def test_testing_ignores_the_variables_of_what_it_fixes():
    testing = settings("testing", LOGIN_RATE_LIMIT="1 per hour", MAIL_BACKEND="smtp",
                       PASSWORD_HASH_METHOD="scrypt", MAIL_SMTP_IN_BACKGROUND="1")
    assert testing.LOGIN_RATE_LIMIT == "10000 per minute"
    assert testing.MAIL_BACKEND == "file" and testing.MAIL_SMTP_IN_BACKGROUND is False
    assert testing.PASSWORD_HASH_METHOD == "pbkdf2:sha256:1000"


def test_a_set_variable_beats_the_environment_default():
    assert settings("testing", SECRET_KEY="mine").SECRET_KEY == "mine"
    assert settings("testing", RATELIMIT_KEY_PREFIX="ci").RATELIMIT_KEY_PREFIX == "ci"
    production = settings("production", SESSION_COOKIE_SECURE="0", MAIL_BACKEND="console")
    assert production.SESSION_COOKIE_SECURE is False and production.REMEMBER_COOKIE_SECURE is False
    assert production.MAIL_BACKEND == "console"


def test_the_database_variable_of_each_environment():
    environ = {"DATABASE_URL": "postgres://app@db/aga", "TEST_DATABASE_URL": "postgresql://ci@db/test"}
    assert settings("production", **environ).SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://app@db/aga"
    assert settings("development", **environ).SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://app@db/aga"
    # The suite never runs against DATABASE_URL, which may be a developer's own database.
    assert settings("testing", **environ).SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://ci@db/test"
    assert settings("testing", DATABASE_URL="postgresql://app@db/aga").SQLALCHEMY_DATABASE_URI == "sqlite://"


def test_int_override():
    development = settings("development", MAIL_PORT="465", PROPOSAL_IMPORT_MAX_ROWS=" 50 ", SESSION_HOURS="3")
    assert development.MAIL_PORT == 465 and development.PROPOSAL_IMPORT_MAX_ROWS == 50
    assert development.PERMANENT_SESSION_LIFETIME == timedelta(hours=3)
    assert settings("development", REMEMBER_DAYS="2").REMEMBER_COOKIE_DURATION == timedelta(days=2)


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_bool_override(raw, expected):
    assert settings("development", EMAIL_CONFIRMATION_REQUIRED=raw).EMAIL_CONFIRMATION_REQUIRED is expected
    assert settings("development", MAIL_USE_TLS=raw).MAIL_USE_TLS is expected


def test_string_override():
    development = settings("development", MAIL_SERVER="smtp.example.co", PUBLIC_BASE_URL="https://consulta.example.co/",
                           PSEUDONYM_KEY="k", RATELIMIT_STORAGE_URI="redis://cache:6379/0")
    assert development.MAIL_SERVER == "smtp.example.co" and development.PSEUDONYM_KEY == "k"
    assert development.PUBLIC_BASE_URL == "https://consulta.example.co"
    assert development.RATELIMIT_STORAGE_OPTIONS["key_prefix"] == "LIMITS:aga"


def test_empty_numbers_and_switches_count_as_unset_empty_strings_do_not():
    development = settings("development", MAIL_PORT="", MAIL_USE_TLS=" ", MAIL_FROM="")
    assert development.MAIL_PORT == 587 and development.MAIL_USE_TLS is True
    assert development.MAIL_FROM == ""


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.name)
def test_every_variable_reaches_its_key(setting):
    name = setting.environments[0]
    raw, value = {str: ("x-value", "x-value"), int: ("7", 7), bool: ("1", True) if not setting.default else ("0", False)}[setting.type]
    expected = setting.convert(value) if setting.convert else value
    assert getattr(settings(name, **{setting.name: raw}), setting.key) == expected


@pytest.mark.parametrize("name, raw", [("MAIL_PORT", "abc"), ("PROXY_FIX_X_FOR", "-1"), ("SESSION_HOURS", "1.5"),
                                       ("RATELIMIT_ENABLED", "maybe")])
def test_a_bad_value_is_refused_naming_its_variable(name, raw):
    with pytest.raises(ConfigError, match=rf"{name}='{re.escape(raw)}'"):
        settings("development", **{name: raw})


def test_every_bad_value_is_named_at_once():
    with pytest.raises(ConfigError) as refused:
        settings("production", MAIL_PORT="abc", MAIL_USE_SSL="si")
    assert "MAIL_PORT='abc'" in str(refused.value) and "MAIL_USE_SSL='si'" in str(refused.value)


def test_the_app_does_not_start_with_a_bad_value(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "abc")
    with pytest.raises(ConfigError, match="MAIL_PORT='abc': expected a whole number"):
        create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_unknown_environment():
    with pytest.raises(ConfigError, match="AGA_CONFIG"):
        get_config(environ={"AGA_CONFIG": "staging"})
    assert get_config(environ={"AGA_CONFIG": "production"}).IS_PRODUCTION


def test_production_is_an_attribute_not_a_class_name():
    assert [name for name, cls in CONFIGS.items() if cls.IS_PRODUCTION] == ["production"]
    app = create_app("production", overrides={"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                                    "TRANSPARENCY_SIGNER_KEY": TEST_SIGNER_KEY})
    assert app.config["IS_PRODUCTION"] is True
    assert "AGA_CONFIG_NAME" not in app.config
    # The production checks follow the attribute, whatever the environment's name.
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("testing", overrides={"IS_PRODUCTION": True, "SECRET_KEY": DEFAULT_SECRET_KEY,
                                         "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_each_setting_declared_once_and_fixed_only_by_an_environment():
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    for environment, cls in CONFIGS.items():
        keys = [setting.key for setting in SETTINGS if environment in setting.environments]
        assert len(keys) == len(set(keys)), environment
        assert set(cls.env_defaults) <= set(names), environment
    # The shared class fixes no variable: an environment variable is read everywhere unless
    # one environment says otherwise.
    assert [setting.name for setting in SETTINGS if hasattr(Config, setting.key)] == []
    assert [setting.name for setting in SETTINGS if hasattr(DevelopmentConfig, setting.key)] == []
    assert [setting.name for setting in SETTINGS if hasattr(ProductionConfig, setting.key)] == []
    assert {setting.name for setting in SETTINGS if hasattr(TestingConfig, setting.key)} == {
        name for name in names if name.endswith("_RATE_LIMIT")
    } | {"PASSWORD_HASH_METHOD", "MAIL_BACKEND", "MAIL_SMTP_IN_BACKGROUND", "LOGIN_LOCK_AFTER",
          "TRANSPARENCY_AUTO_INTEGRATE"}


def test_every_key_the_code_reads_is_declared():
    read = set()
    pattern = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")
    for path in (ROOT / "aga_consulta").rglob("*.py"):
        read.update(pattern.findall(path.read_text(encoding="utf-8")))
    declared = {key for key in dir(settings("development")) if key.isupper()} | set(Flask(__name__).config)
    assert read and sorted(read - declared) == []


def test_the_readme_lists_every_variable_once():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = [name for row in section.splitlines() if row.startswith("| `")
              for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])]
    assert sorted(listed) == sorted([setting.name for setting in SETTINGS] + ["AGA_CONFIG"])


def test_the_module_reads_the_environment_only_through_the_table():
    source = Path(config.__file__).read_text(encoding="utf-8")
    assert re.findall(r"environ\.get\(\"([A-Z_]+)\"", source) == ["AGA_CONFIG"]


def test_production_refuses_to_start_without_a_signer_key(monkeypatch):
    monkeypatch.delenv("TRANSPARENCY_SIGNER_KEY", raising=False)
    with pytest.raises(RuntimeError, match="TRANSPARENCY_SIGNER_KEY"):
        create_app("production", overrides={"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
