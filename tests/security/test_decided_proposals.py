"""Issue 11, finding 9 (second point): a proposal the committee has decided takes no more votes.

A vote on a proposal already marked not selected, in an open consultation, was accepted.
Selected and not selected are the committee's answers: from then on the proposal refuses
votes (409 for a script, 303 back with the message for a browser), its page offers no vote
button and says why, and the consultation's list says so too. Votes cast before stay.
"""
import pytest

from aga_consulta.proposals.workflow import change_status
from aga_consulta.voting import services as voting
from aga_consulta.voting.models import Vote
from tests.helpers import JSON, assert_refused, count, login
from tests.security.support import table_counts

MESSAGE = "El comité ya decidió sobre esta propuesta: no recibe más votos. Los que recibió siguen contando."


def decide(factory, proposal, status):
    moderator = factory.user(role="moderator")
    change_status(moderator, proposal, "shortlisted", "Pasa a la preselección")
    change_status(moderator, proposal, status, "Decisión del comité")


@pytest.fixture
def citizen(client, factory):
    user = factory.user()
    login(client, user.email)
    return user


@pytest.mark.parametrize("status", ["not_selected", "selected"])
def test_a_vote_on_a_decided_proposal_goes_back_with_the_message_and_stores_nothing(client, factory, citizen, status):
    proposal = factory.proposal(factory.consultation(slug="plan"))
    decide(factory, proposal, status)
    before = table_counts()
    response = client.post(f"/proposals/{proposal.id}/vote")
    assert_refused(client, response, f"/proposals/{proposal.id}", MESSAGE)
    page = "/consultations/plan?sort=recent"
    assert_refused(client, client.post(f"/proposals/{proposal.id}/vote", data={"next": page}), page, MESSAGE)
    assert table_counts() == before


@pytest.mark.parametrize("status", ["not_selected", "selected"])
def test_a_script_reads_the_refusal_as_409(client, factory, citizen, status):
    proposal = factory.proposal(factory.consultation())
    decide(factory, proposal, status)
    response = client.post(f"/proposals/{proposal.id}/vote", headers=JSON)
    assert response.status_code == 409
    assert response.json == {"error": MESSAGE, "status": 409}
    assert count(Vote) == 0


def test_the_proposal_page_offers_no_vote_and_says_why(client, factory, citizen):
    proposal = factory.proposal(factory.consultation())
    decide(factory, proposal, "not_selected")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'action="/proposals/{proposal.id}/vote"' not in page
    assert "El comité ya decidió sobre esta propuesta («No seleccionada»), así que no recibe más votos." in page


def test_a_vote_cast_before_the_decision_stays_and_can_be_withdrawn(client, factory, citizen):
    proposal = factory.proposal(factory.consultation())
    voting.cast_vote(citizen, proposal)
    decide(factory, proposal, "not_selected")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "1 voto" in page and "no recibe más votos" in page
    assert f'action="/proposals/{proposal.id}/unvote"' in page and f'action="/proposals/{proposal.id}/vote"' not in page
    assert client.post(f"/proposals/{proposal.id}/unvote").status_code == 303
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 0


def test_the_consultation_list_marks_decided_proposals(client, factory):
    consultation = factory.consultation(slug="plan")
    decided = factory.proposal(consultation, code="DEC-1", title="Propuesta decidida")
    factory.proposal(consultation, code="ABI-1", title="Propuesta abierta")
    decide(factory, decided, "selected")
    page = client.get("/consultations/plan?sort=recent").get_data(as_text=True)
    cards = {code: card for card in page.split('<li class="proposal-card"')[1:]
             for code in ("DEC-1", "ABI-1") if code in card}
    assert "no recibe más votos" in cards["DEC-1"]
    assert "no recibe más votos" not in cards["ABI-1"]
