"""Voting through HTTP."""
from aga_consulta.voting.models import Vote
from tests.helpers import JSON, assert_refused, count, login


def setup_citizen(client, factory, **consultation_kwargs):
    factory.user(email="ana@example.co")
    proposal = factory.proposal(factory.consultation(**consultation_kwargs))
    login(client, "ana@example.co")
    return proposal


def test_vote_withdraw_vote_again(client, factory):
    proposal = setup_citizen(client, factory)
    response = client.post(f"/proposals/{proposal.id}/vote")
    assert response.status_code == 303
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "1 voto" in page and "Retirar mi voto" in page
    assert client.post(f"/proposals/{proposal.id}/unvote").status_code == 303
    assert "0 votos" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert client.post(f"/proposals/{proposal.id}/vote").status_code == 303
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 1


def test_second_vote_goes_back_to_the_page_with_a_friendly_message(client, factory):
    proposal = setup_citizen(client, factory)
    client.post(f"/proposals/{proposal.id}/vote")
    response = client.post(f"/proposals/{proposal.id}/vote")
    assert_refused(client, response, f"/proposals/{proposal.id}", "Ya habías votado por esta propuesta")
    assert count(Vote) == 1


def test_a_refusal_goes_back_to_the_page_the_vote_came_from(client, factory):
    proposal = setup_citizen(client, factory)
    client.post(f"/proposals/{proposal.id}/vote")
    page = f"/consultations/{proposal.consultation.slug}?sort=recent"
    response = client.post(f"/proposals/{proposal.id}/vote", data={"next": page})
    assert_refused(client, response, page, "Ya habías votado por esta propuesta")
    response = client.post(f"/proposals/{proposal.id}/vote", data={"next": "//evil.example/"})
    assert response.headers["Location"] == f"/proposals/{proposal.id}"


def test_a_script_asking_for_json_reads_the_refusal_as_409(client, factory):
    proposal = setup_citizen(client, factory)
    assert client.post(f"/proposals/{proposal.id}/vote", headers=JSON).status_code == 303
    response = client.post(f"/proposals/{proposal.id}/vote", headers=JSON)
    assert response.status_code == 409
    assert response.json == {"error": "Ya habías votado por esta propuesta. Tu voto se cuenta una sola vez.", "status": 409}
    assert count(Vote) == 1


def test_vote_on_closed_consultation_is_refused_and_stores_nothing(client, factory):
    proposal = setup_citizen(client, factory, state="closed")
    response = client.post(f"/proposals/{proposal.id}/vote")
    assert_refused(client, response, f"/proposals/{proposal.id}", "La consulta no está abierta")
    assert client.post(f"/proposals/{proposal.id}/vote", headers=JSON).status_code == 409
    assert count(Vote) == 0


def test_vote_on_missing_proposal_is_404(client, factory):
    setup_citizen(client, factory)
    assert client.post("/proposals/999999/vote").status_code == 404
    assert client.post("/proposals/99999999999999999999/vote").status_code == 404
    assert client.post("/proposals/999999/unvote").status_code == 404
    assert count(Vote) == 0


def test_anonymous_vote_redirects_to_login(client, factory):
    proposal = factory.proposal(factory.consultation())
    response = client.post(f"/proposals/{proposal.id}/vote")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert count(Vote) == 0


def test_vote_get_is_not_allowed(client, factory):
    proposal = setup_citizen(client, factory)
    assert client.get(f"/proposals/{proposal.id}/vote").status_code == 405
    assert count(Vote) == 0


def test_extra_fields_are_ignored(client, factory):
    proposal = setup_citizen(client, factory)
    other = factory.user()
    client.post(f"/proposals/{proposal.id}/vote", data={"user_id": other.id, "consultation_id": 999})
    vote = Vote.query.one()
    assert vote.user_id != other.id and vote.consultation_id == proposal.consultation_id


def test_cap_refusal_says_why_and_stores_nothing(client, factory):
    factory.user(email="ana@example.co")
    consultation = factory.consultation(vote_cap=1)
    first, second = factory.proposal(consultation), factory.proposal(consultation)
    login(client, "ana@example.co")
    client.post(f"/proposals/{first.id}/vote")
    response = client.post(f"/proposals/{second.id}/vote")
    assert_refused(client, response, f"/proposals/{second.id}", "Ya usaste tus 1 votos")
    assert client.post(f"/proposals/{second.id}/vote", headers=JSON).status_code == 409
    assert count(Vote) == 1


def test_vote_rate_limit_keyed_on_citizen(app, client, factory):
    proposal = setup_citizen(client, factory)
    app.config["VOTE_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = []
        for _ in range(4):
            statuses.append(client.post(f"/proposals/{proposal.id}/vote").status_code)
            statuses.append(client.post(f"/proposals/{proposal.id}/unvote").status_code)
        # Vote and withdraw have a budget each: the fourth vote is refused.
        assert statuses[:6] == [303] * 6
        assert statuses[6] == 429
    finally:
        app.config["VOTE_RATE_LIMIT"] = "10000 per minute"


def test_a_vote_and_the_page_after_it_leave_the_session_cookie_alone(client, factory):
    proposal = setup_citizen(client, factory)
    client.get(f"/proposals/{proposal.id}")  # the page's form puts the CSRF token in the session once
    for action, shown in (("vote", "Apoyas esta propuesta"), ("unvote", "Votar por esta propuesta")):
        response = client.post(f"/proposals/{proposal.id}/{action}")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/proposals/{proposal.id}#vote-heading"
        assert "Set-Cookie" not in response.headers
        page = client.get(response.headers["Location"])
        # The outcome comes from the database, not from a flashed message.
        assert shown in page.get_data(as_text=True)
        assert "Set-Cookie" not in page.headers
