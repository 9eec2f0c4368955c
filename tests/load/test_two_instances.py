"""Two instances on different ports, sharing PostgreSQL (or the SQLite file) and Redis,
behave as one site: sessions, rate limits and counts.

The rate-limit test needs Redis (CI's second pass); it is skipped on the first pass and
fails, rather than skips, when AGA_REQUIRE_SERVICES is set without Redis.
"""
import random
import uuid

import pytest

from aga_consulta.voting.models import Vote
from tests.helpers import count
from tests.load.browser import Browser
from tests.load.conftest import server_errors, start_site

LOGIN_LIMIT = 6


@pytest.fixture(scope="module")
def pair(app, database_url, log_dir):
    """Instances A and B (2 workers each), same database, same limiter storage and prefix."""
    prefix = f"aga-load-{uuid.uuid4().hex[:10]}"
    # As behind one proxy: the client address is the last X-Forwarded-For entry.
    env = {"LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "PROXY_FIX_X_FOR": "1"}
    a = start_site(log_dir, database_url, "a", workers=2, threads=2, key_prefix=prefix, extra_env=env)
    try:
        b = start_site(log_dir, database_url, "b", workers=2, threads=2, key_prefix=prefix, extra_env=env)
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()
    for server in (a, b):
        errors = server_errors(server)
        assert not errors, "\n".join(errors[:20])


def test_a_session_opened_on_a_works_on_b(pair, factory):
    a, b = pair
    citizen = factory.user()
    browser = Browser(a.url)
    assert browser.login(citizen.email).status_code == 302

    on_b = browser.tab(b.url)
    response = on_b.get("/me")

    assert response.status_code == 200
    assert "Cerrar sesión" in response.text
    assert Browser(b.url).get("/me").status_code == 302  # without the cookie: login page


def test_votes_count_once_across_instances(pair, factory):
    a, b = pair
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    on_a = Browser(a.url)
    on_a.login(citizen.email)
    token = on_a.token(f"/proposals/{proposal_id}")
    on_b = on_a.tab(b.url)

    assert on_a.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}).status_code == 303
    assert on_b.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}).status_code == 409
    assert on_a.votes_shown(proposal_id) == on_b.votes_shown(proposal_id) == 1
    assert on_b.post(f"/proposals/{proposal_id}/unvote", {"csrf_token": token}).status_code == 303
    assert on_a.votes_shown(proposal_id) == on_b.votes_shown(proposal_id) == 0
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 0


def test_a_login_limit_counted_on_a_holds_on_b(pair, redis_url):
    a, b = pair
    # The address our proxy would append (its own test address: other tests' logins from
    # 127.0.0.1 do not count); a new connection per request, so any worker may answer.
    address = f"198.51.100.{random.randint(1, 254)}"
    browser = Browser(a.url, keepalive=False, headers={"X-Forwarded-For": address})
    token = browser.token("/auth/login")
    wrong = {"csrf_token": token, "email": "nadie@example.co", "password": "no es la contraseña"}
    instances = [a, b] * LOGIN_LIMIT

    statuses = [browser.post(f"{server.url}/auth/login", wrong).status_code for server in instances[:LOGIN_LIMIT]]
    over_a = browser.post(f"{a.url}/auth/login", wrong)
    over_b = browser.post(f"{b.url}/auth/login", wrong)

    # Per process (memory://) each of the four workers would allow LOGIN_LIMIT on its own.
    assert statuses == [400] * LOGIN_LIMIT
    assert over_a.status_code == over_b.status_code == 429
    assert "Demasiadas solicitudes" in over_b.text
    assert "Retry-After" in over_b.headers
    # A spoofed entry in front of the proxy's own does not buy a fresh count.
    spoofed = browser.post(f"{b.url}/auth/login", wrong, headers={"X-Forwarded-For": f"203.0.113.9, {address}"})
    assert spoofed.status_code == 429
