"""The survey pages over HTTP: answering, refusals beside the field, results, moderators' reading."""
from aga_consulta.surveys.models import Answer, Response
from aga_consulta.surveys.services import respondent_count, submit_response
from tests.helpers import JSON, count, login
from tests.surveys.conftest import build_survey, good_answers


def _form(raw):
    return {f"q{qid}": values for qid, values in raw.items()}


def test_answering_needs_an_account(client, survey):
    response = client.get(f"/surveys/{survey.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post(f"/surveys/{survey.id}", data=_form(good_answers(survey)))
    assert response.status_code == 302 and count(Response) == 0


def test_a_citizen_answers_then_changes_the_answers(client, factory, survey):
    citizen = factory.user()
    login(client, citizen.email)
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "¿Qué tema es el más urgente?" in html and 'type="checkbox"' in html and "<textarea" in html
    response = client.post(f"/surveys/{survey.id}", data=_form(good_answers(survey)))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/surveys/{survey.id}")
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "Tus respuestas quedaron guardadas" in page
    scale = survey.questions[2]
    assert f'name="q{scale.id}" value="4" checked' in page
    again = client.post(f"/surveys/{survey.id}", data=_form(good_answers(survey)))
    assert again.status_code == 303 and respondent_count(survey.id) == 1 and count(Answer) == 5


def test_a_bad_answer_shows_its_error_beside_the_question_and_stores_nothing(client, factory, survey):
    login(client, factory.user().email)
    raw = good_answers(survey)
    multiple = survey.questions[1]
    raw[multiple.id] = [str(option.id) for option in multiple.options]
    del raw[survey.questions[0].id]
    response = client.post(f"/surveys/{survey.id}", data=_form(raw))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="q{multiple.id}-error">Elige como máximo 2 opciones.' in html
    assert f'id="q{survey.questions[0].id}-error">Esta pregunta es obligatoria.' in html
    assert f'aria-describedby="q{multiple.id}-error"' in html
    # What the citizen typed waits in the form.
    assert "Que los datos del presupuesto sean abiertos." in html
    assert count(Response) == 0 and count(Answer) == 0


def test_a_closed_survey_refuses_with_409_and_stores_nothing(client, factory):
    survey = build_survey("closed")
    login(client, factory.user().email)
    response = client.post(f"/surveys/{survey.id}", data=_form(good_answers(survey)), headers=JSON)
    assert response.status_code == 409 and "no está abierta" in response.get_json()["error"]
    browser = client.post(f"/surveys/{survey.id}", data=_form(good_answers(survey)))
    assert browser.status_code == 303
    assert "no está abierta" in client.get(browser.headers["Location"]).get_data(as_text=True)
    assert count(Response) == 0


def test_unknown_and_out_of_range_surveys_are_404(client, factory):
    login(client, factory.user().email)
    for path in ("/surveys/999", "/surveys/99999999999999", "/surveys/0/results", "/surveys/999/results"):
        assert client.get(path).status_code == 404, path


def test_results_are_svg_bars_with_data_tables(client, factory, survey):
    submit_response(factory.user(), survey, good_answers(survey))
    html = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "<svg" in html and "<table" in html and "<script" not in html
    assert "1 persona respondió la encuesta." in html
    assert "Que los datos del presupuesto" not in html  # free text stays with the moderators


def test_moderators_read_free_text_citizens_get_403(client, factory, survey, moderator):
    submit_response(factory.user(), survey, good_answers(survey))
    path = f"/surveys/{survey.id}/questions/{survey.questions[3].id}/answers"
    assert client.get(path).status_code == 302
    citizen = factory.user()
    login(client, citizen.email)
    assert client.get(path).status_code == 403
    client.post("/auth/logout")
    login(client, moderator.email)
    html = client.get(path).get_data(as_text=True)
    assert "Que los datos del presupuesto sean abiertos." in html and citizen.email not in html
    assert client.get(f"/surveys/{survey.id}/questions/{survey.questions[0].id}/answers").status_code == 404
