"""Race safety of the vote path, proven with real concurrent requests to a running gunicorn.

The server (3 worker processes x 4 threads) uses the test session's database: PostgreSQL on
CI's second pass (row locks), SQLite otherwise (WAL, busy timeout: no "database is
locked" surfacing as an error).
"""
from collections import Counter

from aga_consulta.voting.models import Vote
from tests.helpers import count
from tests.load.browser import Browser, fire_at_once


def _logged_in(site, citizen):
    browser = Browser(site.url)
    assert browser.login(citizen.email).status_code == 302
    return browser


def test_votes_on_20_proposals_at_once_stop_exactly_at_the_cap(site, factory):
    citizen = factory.user()
    consultation = factory.consultation(vote_cap=3)
    # Plain ids: the threads have no app context to load ORM attributes with.
    proposal_ids = [factory.proposal(consultation).id for _ in range(20)]
    browser = _logged_in(site, citizen)
    token = browser.token(f"/proposals/{proposal_ids[0]}")
    tabs = [browser.tab() for _ in proposal_ids]

    statuses = fire_at_once([
        (lambda tab=tab, pid=pid: tab.post(f"/proposals/{pid}/vote", {"csrf_token": token}).status_code)
        for tab, pid in zip(tabs, proposal_ids)
    ])

    assert Counter(statuses) == {303: 3, 409: 17}
    assert count(Vote, Vote.user_id == citizen.id, Vote.withdrawn_at.is_(None)) == 3
    assert count(Vote) == 3
    page = browser.get(f"/proposals/{proposal_ids[0]}").text
    assert "Has usado 3 de 3 votos" in page
    for tab in tabs:
        tab.close()
