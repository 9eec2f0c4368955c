"""Race safety of the vote path, proven with real concurrent requests to a running gunicorn.

The server (3 worker processes x 4 threads) uses the test session's database: PostgreSQL on
CI's second pass (row locks), SQLite otherwise (WAL, busy timeout: no "database is
locked" surfacing as an error).
"""
import random
from collections import Counter

from aga_consulta.voting.models import Vote
from tests.helpers import count
from tests.load.browser import Browser, fire_at_once


def _logged_in(site, citizen):
    browser = Browser(site.url)
    assert browser.login(citizen.email).status_code == 302
    return browser


def test_same_vote_fired_50_times_at_once_counts_once(site, factory):
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    browser = _logged_in(site, citizen)
    token = browser.token(f"/proposals/{proposal_id}")
    tabs = [browser.tab() for _ in range(50)]

    statuses = fire_at_once([
        (lambda tab=tab: tab.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}).status_code)
        for tab in tabs
    ])

    assert Counter(statuses) == {303: 1, 409: 49}
    assert count(Vote) == 1
    assert browser.votes_shown(proposal_id) == 1
    for tab in tabs:
        tab.close()


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


def test_interleaved_vote_and_withdraw_storms_end_consistent(site, factory):
    consultation = factory.consultation()
    proposals = [factory.proposal(consultation) for _ in range(3)]
    citizens = [factory.user() for _ in range(4)]
    browsers = {c.id: _logged_in(site, c) for c in citizens}
    tokens = {cid: b.token(f"/proposals/{proposals[0].id}") for cid, b in browsers.items()}
    rng = random.Random(5)
    plan = [
        (c.id, p.id, rng.choice(("vote", "unvote")))
        for c in citizens for p in proposals for _ in range(10)
    ]
    rng.shuffle(plan)
    tabs = [browsers[cid].tab() for cid, _, _ in plan]

    statuses = fire_at_once([
        (lambda tab=tab, cid=cid, pid=pid, action=action:
            tab.post(f"/proposals/{pid}/{action}", {"csrf_token": tokens[cid]}).status_code)
        for tab, (cid, pid, action) in zip(tabs, plan)
    ])

    assert set(statuses) <= {303, 409}, Counter(statuses)
    for citizen in citizens:
        for proposal in proposals:
            acked = Counter(
                action for (cid, pid, action), status in zip(plan, statuses)
                if cid == citizen.id and pid == proposal.id and status == 303
            )
            where = (Vote.user_id == citizen.id, Vote.proposal_id == proposal.id)
            # A vote succeeds only without an active one, a withdrawal only with one: the
            # acknowledged actions alternate, and every row is an acknowledged vote.
            assert count(Vote, *where) == acked["vote"]
            assert count(Vote, *where, Vote.withdrawn_at.is_(None)) == acked["vote"] - acked["unvote"]
            assert acked["vote"] - acked["unvote"] in (0, 1)
    reader = browsers[citizens[0].id]
    for proposal in proposals:
        active = count(Vote, Vote.proposal_id == proposal.id, Vote.withdrawn_at.is_(None))
        assert reader.votes_shown(proposal.id) == active
    for tab in tabs:
        tab.close()
