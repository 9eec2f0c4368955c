"""Fixtures for tests against running gunicorn servers (same database as the test session).

Servers run the production configuration under gunicorn.conf.py, on 127.0.0.1 and a port
of 8101-8199, and are stopped (their process group) by the fixture that started them.
"""
import os
import uuid

import pytest

from bench.stack import Gunicorn

# Limits high enough not to interfere, except where a test sets its own.
HIGH_LIMITS = {
    "LOGIN_RATE_LIMIT": "10000 per minute",
    "REGISTER_RATE_LIMIT": "10000 per minute",
    "VOTE_RATE_LIMIT": "10000 per minute",
    "COMMENT_RATE_LIMIT": "10000 per minute",
    "REPORT_RATE_LIMIT": "10000 per minute",
    # The per-address login locks and the site-wide brake (accounts/throttle.py).
    "LOGIN_LOCK_AFTER": "10000",
    "LOGIN_FAILURE_RATE_LIMIT": "10000 per minute",
    # Production confirms e-mail addresses; the tests' citizens come from the factory unconfirmed.
    "EMAIL_CONFIRMATION_REQUIRED": "0",
}


def limits_storage():
    """The rate-limit storage of this run: memory:// on the first CI pass, Redis on the second."""
    return os.environ.get("RATELIMIT_STORAGE_URI", "memory://")


def start_site(log_dir, database_url, name, *, workers=3, threads=4, redis_url=None, key_prefix=None,
               port=None, extra_env=None, ready=True, ready_statuses=(200,)):
    """Start the site under gunicorn; the caller stops it."""
    env = dict(HIGH_LIMITS)
    # Cheap hashing: the tests create accounts; scrypt's cost is not what they measure.
    env["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    env.update(extra_env or {})
    server = Gunicorn(
        log_dir / f"{name}.log",
        database_url=database_url,
        port=port,
        workers=workers,
        threads=threads,
        redis_url=redis_url or limits_storage(),
        key_prefix=key_prefix or f"aga-load-{uuid.uuid4().hex[:10]}",
        extra_env=env,
        access_log="-",
    )
    server.start()
    try:
        if ready:
            server.wait_ready(statuses=ready_statuses)
    except BaseException:
        server.stop()
        raise
    return server


def server_errors(server):
    """Lines of the server's log that show a 500 or a traceback."""
    return [
        line for line in server.log_text().splitlines()
        if "Traceback" in line or '" 500 ' in line or "[CRITICAL]" in line
    ]


@pytest.fixture(scope="session")
def backend(database_url):
    """'postgresql' or 'sqlite': the database the session (and its servers) use."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    """Where this module's servers write their logs."""
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="module")
def site(app, database_url, log_dir):
    """One site under gunicorn (3 workers x 4 threads) for the module; stopped at its end."""
    server = start_site(log_dir, database_url, "site")
    yield server
    server.stop()
    errors = server_errors(server)
    assert not errors, "\n".join(errors[:20])


@pytest.fixture(scope="session")
def redis_url():
    """The Redis of this run; skipped on the first CI pass, required on the second."""
    url = limits_storage()
    if not url.startswith("redis"):
        if os.environ.get("AGA_REQUIRE_SERVICES"):
            pytest.fail("AGA_REQUIRE_SERVICES is set but RATELIMIT_STORAGE_URI is not redis://")
        pytest.skip("needs Redis: run with RATELIMIT_STORAGE_URI=redis://... (CI's second pass does)")
    return url
