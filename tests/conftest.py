"""Fixtures: one migrated database per test session, emptied after every test.

The database is SQLite (a file, so that threads share it) unless TEST_DATABASE_URL names
another one, as .ci/run does for PostgreSQL. The schema comes from the migrations, never
from create_all.
"""
import contextvars
import os

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from aga_consulta import create_app
from aga_consulta.extensions import db, limiter
from tests.helpers import Factory

KEEP_TABLES = {"departments", "alembic_version"}


def _reset_postgres_schema(engine):
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The URL of the session's test database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


class IsolatedClient(FlaskClient):
    """A test client whose requests run outside the test's app context.

    The fixtures keep an app context open for database access; without this, every request
    would reuse it, and with it `g` (Flask-Login's cached user, Flask-Babel's locale) and the
    database session, which a real server never shares between requests.
    """

    def open(self, *args, **kwargs):
        # Buffered: a streamed body (the CSV exports) is read inside the request's own
        # context, as a server reads it; read later, outside, its context could not be popped.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application, bound to a freshly migrated database; mail goes to a temporary outbox."""
    application = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
    })
    application.test_client_class = IsolatedClient
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            _reset_postgres_schema(db.engine)
        upgrade()
    yield application


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Run each test in an app context and empty every data table afterwards."""
    with app.app_context():
        limiter.reset()
        yield
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                # Triggers such as the audit log's append-only guard would refuse the
                # cleanup: set them aside inside this transaction and put them back after.
                triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
                for name, _sql in triggers:
                    conn.execute(text(f'DROP TRIGGER "{name}"'))
                for table in tables:
                    conn.execute(table.delete())
                for _name, sql in triggers:
                    conn.execute(text(sql))
                # The search's FTS5 index (migration 0026) follows its rows through triggers,
                # set aside above: empty it the same way, or a new row 1 would match old words.
                fts_tables = conn.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")).scalars()
                for name in list(fts_tables):
                    conn.execute(text(f"INSERT INTO \"{name}\"(\"{name}\") VALUES ('rebuild')"))


@pytest.fixture
def client(app):
    """A test client (CSRF off, as in TestingConfig)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def factory(app):
    """Builders for users, consultations and proposals, through the services."""
    return Factory()


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF enforced, restored afterwards."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def moderator(factory):
    """A moderator account (services take it as the actor)."""
    return factory.user(role="moderator", name="Mora Moderadora")


@pytest.fixture
def admin(factory):
    """An admin account."""
    return factory.user(role="admin", name="Ada Admin")


def _first_database(reason):
    # "a SQLite write lock (the PostgreSQL variant ...)" needs SQLite: the database named first.
    found = [(reason.find(name), name) for name in ("PostgreSQL", "SQLite") if name in reason]
    return min(found)[1] if found else None


#: Groups of tests a run may skip, how to tell them by their skip reason or path, and the one
#: command that runs them. The first group that matches wins.
SKIP_GROUPS = (
    ("browser tests (Chromium, axe-core)", lambda nodeid, reason: nodeid.startswith("tests/browser/")
     or any(word in reason for word in ("Chromium", "chromium", "axe-core", "Playwright", "playwright")),
     "make browser-deps && make test   (AGA_REQUIRE_BROWSER=1 turns these skips into failures)"),
    ("PostgreSQL tests", lambda nodeid, reason: _first_database(reason) == "PostgreSQL",
     "TEST_DATABASE_URL=postgresql+psycopg://USER@HOST:5432/DB make test"),
    ("Redis tests (shared rate limits)", lambda nodeid, reason: "Redis" in reason,
     "RATELIMIT_STORAGE_URI=redis://HOST:6379 make test   (with AGA_REQUIRE_SERVICES=1 these fail instead)"),
    ("SQLite tests (skipped on PostgreSQL)", lambda nodeid, reason: _first_database(reason) == "SQLite",
     "make test   (without TEST_DATABASE_URL)"),
)


def _skip_reason(report):
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")


def skip_summary(reports):
    """One line per group of skipped tests: how many, which, and the command that runs them."""
    groups, other = {}, {}
    for report in reports:
        reason = _skip_reason(report)
        for name, matches, command in SKIP_GROUPS:
            if matches(report.nodeid, reason):
                groups.setdefault((name, command), []).append(report)
                break
        else:
            other.setdefault(reason, []).append(report)
    lines = [f"{len(found):4d} {name}: {command}" for (name, command), found in groups.items()]
    return lines + [f"{len(found):4d} other: {reason}" for reason, found in other.items()]


def pytest_terminal_summary(terminalreporter):
    """End the run by naming each group of skipped tests and the command that runs it."""
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if report.when in ("setup", "call")]
    if skipped:
        terminalreporter.section("skipped tests, and how to run them")
        for line in skip_summary(skipped):
            terminalreporter.write_line(line)
