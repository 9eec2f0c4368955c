"""The hot path's statements are compiled once and then taken from SQLAlchemy's cache.

A construct outside the cache (the dialects' INSERT ... ON CONFLICT in SQLAlchemy 2.0, for
one) is compiled anew on every request; on the vote that was a fifth of its time.
"""
import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from aga_consulta.extensions import db
from tests.helpers import login


def _uncached(client, method, url):
    """Return the statements of one request that SQLAlchemy could not cache."""
    seen = []

    def check(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.cache_hit is CacheStats.NO_CACHE_KEY:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", check)
    try:
        getattr(client, method)(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", check)
    return seen


@pytest.fixture
def voting(client, factory):
    consultation = factory.consultation(slug="cache", vote_cap=5)
    proposals = [factory.proposal(consultation, code=f"N-{n}") for n in range(3)]
    citizen = factory.user(email="cache@example.co")
    login(client, citizen.email)
    return proposals


def test_vote_and_withdraw_run_only_cached_statements(client, voting):
    first, second, _ = voting
    client.post(f"/proposals/{first.id}/vote")  # first use compiles
    client.post(f"/proposals/{first.id}/unvote")
    assert _uncached(client, "post", f"/proposals/{second.id}/vote") == []
    assert _uncached(client, "post", f"/proposals/{second.id}/unvote") == []
    # A refusal (the vote already held) too: it reads which rule refused.
    client.post(f"/proposals/{second.id}/vote")
    assert _uncached(client, "post", f"/proposals/{second.id}/vote") == []


@pytest.mark.parametrize("path", ["/consultations/cache", "/proposals/{id}"])
def test_the_pages_run_only_cached_statements(client, voting, path):
    url = path.format(id=voting[0].id)
    client.get(url)
    assert _uncached(client, "get", url) == []
