"""Redis outage: the decided behaviour is the in-memory fallback.

RATELIMIT_IN_MEMORY_FALLBACK_ENABLED makes Flask-Limiter count in each process's memory
while Redis is unreachable (and go back to Redis once it answers a ping again); the site
keeps answering and limits keep holding, per process. RATELIMIT_STORAGE_OPTIONS bounds the
wait on a Redis that accepts connections but never answers.
"""
import socket
import time

import pytest

from bench.stack import dead_port, free_port
from tests.load.browser import Browser
from tests.load.conftest import server_errors, start_site

LIMIT = 3


def _check_limits_hold_per_process(server, factory):
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    browser = Browser(server.url)

    assert browser.get("/").status_code == 200
    assert browser.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert browser.login(citizen.email).status_code == 302  # login 1 of LIMIT
    token = browser.token(f"/proposals/{proposal_id}")
    assert browser.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}).status_code == 303

    stranger = Browser(server.url)
    token = stranger.token("/auth/login")
    wrong = {"csrf_token": token, "email": "nadie@example.co", "password": "no es la contraseña"}
    statuses = [stranger.post("/auth/login", wrong).status_code for _ in range(LIMIT)]
    assert statuses == [400] * (LIMIT - 1) + [429]
    assert "Rate limit storage unreachable - falling back to in-memory storage" in server.log_text()
    assert not server_errors(server)


@pytest.fixture
def outage_site(app, database_url, log_dir):
    started = []

    def start(redis_url):
        # One worker: "per process" is then exactly the limit.
        server = start_site(
            log_dir, database_url, f"redis-outage-{len(started)}", workers=1, threads=2,
            redis_url=redis_url, extra_env={"LOGIN_RATE_LIMIT": f"{LIMIT} per minute"},
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_redis_unreachable_the_site_answers_and_limits_hold_per_process(outage_site, factory):
    server = outage_site(f"redis://127.0.0.1:{dead_port()}")
    _check_limits_hold_per_process(server, factory)


def test_redis_that_never_answers_costs_a_bounded_wait(outage_site, factory):
    # A socket that accepts connections (the kernel's backlog) and never replies.
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", port))
        silent.listen(64)
        server = outage_site(f"redis://127.0.0.1:{port}")
        started = time.monotonic()
        _check_limits_hold_per_process(server, factory)
        elapsed = time.monotonic() - started

    # Without socket timeouts the first limited request would hang until gunicorn killed
    # the worker (30 s); with them, Redis costs at most a few half-second waits.
    assert elapsed < 10, elapsed
