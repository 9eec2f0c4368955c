"""Institution accounts speak for an institution, not a person: no vote, no comment, no survey answer."""
import pytest

from aga_consulta.accounts.permissions import SpeaksForAnInstitution, speaks_for_themselves
from aga_consulta.accounts.services import register_citizen
from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment
from aga_consulta.ledger.models import TransparencyEntry
from aga_consulta.surveys.models import Answer, Response
from aga_consulta.surveys.services import submit_response
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import cast_vote
from tests.helpers import JSON, PASSWORD, assert_refused, count, login
from tests.surveys.conftest import build_survey, good_answers

#: The start of the refusal, in each language.
SPANISH = "Esta es una cuenta institucional"
ENGLISH = "This is an institution account"


def institution_account(email="alcaldia@example.co"):
    return register_citizen(name="Enlace de la Alcaldía", email=email, password=PASSWORD, department_code="76",
                            accepted_terms=True, role="institution", email_confirmed=True,
                            institution="Alcaldía de Palmira", institution_department="76",
                            institution_municipality="Palmira")


@pytest.fixture
def open_proposal(factory):
    return factory.proposal(factory.consultation(), code="N-1")


def stored():
    """Count votes, comments, survey responses, answers and log entries (the log holds the proposal already)."""
    return {model.__name__: count(model) for model in (Vote, Comment, Response, Answer, TransparencyEntry)}


def test_only_institution_accounts_are_held_back(factory):
    assert not speaks_for_themselves(institution_account())
    for role in ("citizen", "moderator", "admin"):
        assert speaks_for_themselves(factory.user(role=role))


def test_the_services_refuse_an_institution_and_store_nothing(open_proposal):
    palmira = institution_account()
    survey = build_survey()
    before = stored()
    with pytest.raises(SpeaksForAnInstitution) as vote:
        cast_vote(palmira, open_proposal)
    with pytest.raises(SpeaksForAnInstitution):
        add_comment(palmira, open_proposal, "La alcaldía respalda esta propuesta.")
    with pytest.raises(SpeaksForAnInstitution):
        submit_response(palmira, survey, good_answers(survey))
    assert vote.value.status == 403 and str(vote.value.message).startswith(SPANISH)
    assert stored() == before and before["Vote"] == before["Comment"] == before["Response"] == 0


def test_a_citizen_still_votes_comments_and_answers(factory, open_proposal):
    citizen = factory.user()
    survey = build_survey()
    cast_vote(citizen, open_proposal)
    add_comment(citizen, open_proposal, "Apoyo la propuesta con un cronograma público.")
    submit_response(citizen, survey, good_answers(survey))
    assert (count(Vote), count(Comment), count(Response)) == (1, 1, 1)


def test_over_http_an_institution_gets_403_in_json_and_nothing_is_stored(client, open_proposal):
    institution_account()
    survey = build_survey()
    login(client, "alcaldia@example.co")
    before = stored()
    first = survey.questions[0]
    posts = {
        f"/proposals/{open_proposal.id}/vote": {},
        f"/proposals/{open_proposal.id}/comments": {"body": "La alcaldía respalda esta propuesta."},
        f"/surveys/{survey.id}": {f"q{first.id}": [str(first.options[0].id)]},
    }
    for url, data in posts.items():
        response = client.post(url, data=data, headers=JSON)
        assert response.status_code == 403, url
        assert response.get_json()["status"] == 403 and response.get_json()["error"].startswith(SPANISH), url
        english = client.post(url, data=data, headers={**JSON, "Accept-Language": "en"})
        assert english.status_code == 403 and english.get_json()["error"].startswith(ENGLISH), url
    assert stored() == before and before["Vote"] == before["Comment"] == before["Response"] == 0


def test_in_a_browser_the_refusal_comes_back_on_the_page(client, open_proposal):
    institution_account()
    survey = build_survey()
    login(client, "alcaldia@example.co")
    before = stored()
    page = f"/proposals/{open_proposal.id}"
    assert_refused(client, client.post(f"{page}/vote"), page, SPANISH)
    assert_refused(client, client.post(f"{page}/comments", data={"body": "La alcaldía respalda esta propuesta."}),
                   page, SPANISH)
    first = survey.questions[0]
    answered = client.post(f"/surveys/{survey.id}", data={f"q{first.id}": [str(first.options[0].id)]})
    assert_refused(client, answered, f"/surveys/{survey.id}", SPANISH)
    assert stored() == before and before["Vote"] == before["Comment"] == before["Response"] == 0


def test_the_pages_hide_the_forms_from_an_institution_and_say_why(client, factory, open_proposal):
    add_comment(factory.user(), open_proposal, "Que el avance se publique cada trimestre.")
    survey = build_survey()
    institution_account()
    login(client, "alcaldia@example.co")
    proposal_page = client.get(f"/proposals/{open_proposal.id}").get_data(as_text=True)
    assert SPANISH in proposal_page
    assert f"/proposals/{open_proposal.id}/vote" not in proposal_page
    assert 'id="comment-form"' not in proposal_page and "reply_to=" not in proposal_page
    survey_page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert SPANISH in survey_page and "Guardar mis respuestas" not in survey_page
    assert survey.questions[0].text in survey_page  # the questions are still there to read


def test_a_citizen_sees_the_forms_and_no_institution_note(client, factory, open_proposal):
    factory.user(email="vecina@example.co")
    survey = build_survey()
    login(client, "vecina@example.co")
    proposal_page = client.get(f"/proposals/{open_proposal.id}").get_data(as_text=True)
    assert SPANISH not in proposal_page and 'id="comment-form"' in proposal_page
    assert f"/proposals/{open_proposal.id}/vote" in proposal_page
    survey_page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert SPANISH not in survey_page and "Guardar mis respuestas" in survey_page
