"""The vote's rate limit costs one Redis round trip (fixed window: one counter, INCR and EXPIRE in one script)."""
import os

import pytest

from aga_consulta.extensions import limiter
from tests.helpers import login


def test_a_vote_costs_one_redis_round_trip(app, client, factory, monkeypatch):
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        if os.environ.get("AGA_REQUIRE_SERVICES"):
            pytest.fail("AGA_REQUIRE_SERVICES is set but RATELIMIT_STORAGE_URI is not redis://")
        pytest.skip("needs Redis: run with RATELIMIT_STORAGE_URI=redis://...")
    assert app.config["RATELIMIT_STRATEGY"] == "fixed-window"
    redis_client = limiter.storage.get_connection()
    sent = []
    original = redis_client.execute_command
    monkeypatch.setattr(redis_client, "execute_command", lambda *args, **kwargs: (
        sent.append(args[0]), original(*args, **kwargs))[1])
    citizen = factory.user()
    proposals = [factory.proposal(factory.consultation()) for _ in range(2)]
    login(client, citizen.email)
    for proposal in proposals:
        sent.clear()
        assert client.post(f"/proposals/{proposal.id}/vote").status_code == 303
        assert sent == ["EVALSHA"]
    sent.clear()
    assert client.get(f"/proposals/{proposals[0].id}").status_code == 200
    assert sent == []
