"""Surveys: answers are checked against their question, one response per citizen, results by SQL."""
import pytest

from aga_consulta.errors import EmailNotConfirmed, NotAllowed, ValidationFailed
from aga_consulta.surveys.models import Answer, Response, Survey
from aga_consulta.surveys.services import (
    AnswersInvalid, SurveyClosed, create_survey, csv_rows, free_text_answers, own_answers, respondent_count,
    results, submit_response,
)
from aga_consulta.timeutil import utcnow
from tests.helpers import audit_entries, count
from tests.surveys.conftest import QUESTIONS, build_survey, good_answers


def test_a_valid_response_is_stored_and_read_back(factory, survey):
    citizen = factory.user()
    submit_response(citizen, survey, good_answers(survey))
    assert respondent_count(survey.id) == 1 and count(Answer) == 5
    mine = own_answers(survey, citizen)
    assert mine[survey.questions[2].id] == ["4"]


def test_answering_again_replaces_the_answers_and_keeps_one_respondent(factory, survey):
    citizen = factory.user()
    submit_response(citizen, survey, good_answers(survey))
    single = survey.questions[0]
    changed = {single.id: [str(single.options[1].id)]}
    submit_response(citizen, survey, changed)
    assert respondent_count(survey.id) == 1 and count(Response) == 1
    assert own_answers(survey, citizen) == {single.id: [str(single.options[1].id)]}


def test_a_double_submit_is_idempotent(factory, survey):
    citizen = factory.user()
    first = submit_response(citizen, survey, good_answers(survey))
    second = submit_response(citizen, survey, good_answers(survey))
    assert first.id == second.id and count(Response) == 1 and count(Answer) == 5


def _refused(citizen, survey, raw):
    with pytest.raises(AnswersInvalid) as error:
        submit_response(citizen, survey, raw)
    assert error.value.status == 400
    assert count(Response) == 0 and count(Answer) == 0
    return {qid: str(message) for qid, message in error.value.errors.items()}


def test_too_many_choices_are_refused_and_nothing_is_stored(factory, survey):
    raw = good_answers(survey)
    multiple = survey.questions[1]
    raw[multiple.id] = [str(option.id) for option in multiple.options]
    assert _refused(factory.user(), survey, raw) == {multiple.id: "Elige como máximo 2 opciones."}


def test_a_missing_required_answer_is_refused(factory, survey):
    raw = good_answers(survey)
    single = survey.questions[0]
    raw[single.id] = ["  "]
    assert _refused(factory.user(), survey, raw) == {single.id: "Esta pregunta es obligatoria."}


def test_an_option_of_another_question_is_refused(factory, survey):
    raw = good_answers(survey)
    single, multiple = survey.questions[:2]
    raw[single.id] = [str(multiple.options[0].id)]
    assert _refused(factory.user(), survey, raw) == {single.id: "Elige entre las opciones de esta pregunta."}


def test_an_option_of_another_survey_is_refused(factory, survey):
    other = build_survey()
    raw = good_answers(survey)
    raw[survey.questions[0].id] = [str(other.questions[0].options[0].id)]
    assert survey.questions[0].id in _refused(factory.user(), survey, raw)


@pytest.mark.parametrize("values", [["0"], ["6"], ["4.5"], ["cuatro"], ["3", "4"], ["99999999999999999999"]])
def test_a_scale_value_out_of_range_or_not_a_number_is_refused(factory, survey, values):
    raw = good_answers(survey)
    scale = survey.questions[2]
    raw[scale.id] = values
    assert _refused(factory.user(), survey, raw) == {scale.id: "Elige un valor entre 1 y 5."}


@pytest.mark.parametrize("values", [["x"], ["-1"], ["1", "1"]])
def test_a_single_choice_that_is_not_one_of_its_options_is_refused(factory, survey, values):
    raw = good_answers(survey)
    single = survey.questions[0]
    raw[single.id] = [str(single.options[0].id)] * 2 if values == ["1", "1"] else values
    assert single.id in _refused(factory.user(), survey, raw)


def test_two_options_of_a_single_choice_are_refused(factory, survey):
    raw = good_answers(survey)
    single = survey.questions[0]
    raw[single.id] = [str(single.options[0].id), str(single.options[1].id)]
    assert _refused(factory.user(), survey, raw) == {single.id: "Elige una sola opción."}


def test_an_overlong_or_nul_text_is_refused(factory, survey):
    text = survey.questions[3]
    assert text.id in _refused(factory.user(), survey, good_answers(survey, "x" * 5001))
    assert text.id in _refused(factory.user(), survey, good_answers(survey, "hola\x00"))


def test_several_problems_are_reported_together(factory, survey):
    raw = {survey.questions[2].id: ["9"]}
    errors = _refused(factory.user(), survey, raw)
    assert set(errors) == {survey.questions[0].id, survey.questions[2].id}


@pytest.mark.parametrize("state", ["closed", "upcoming"])
def test_outside_the_window_nothing_is_stored(factory, state):
    survey = build_survey(state)
    with pytest.raises(SurveyClosed) as error:
        submit_response(factory.user(), survey, good_answers(survey))
    assert error.value.status == 409 and count(Response) == 0


def test_a_deactivated_account_cannot_answer(factory, survey):
    citizen = factory.user()
    citizen.active = False
    with pytest.raises(NotAllowed):
        submit_response(citizen, survey, good_answers(survey))
    assert count(Response) == 0


def test_an_unconfirmed_address_cannot_answer_while_confirmation_is_required(factory, survey, app, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_CONFIRMATION_REQUIRED", True)
    unconfirmed, confirmed = factory.user(), factory.user(email_confirmed=True)
    with pytest.raises(EmailNotConfirmed):
        submit_response(unconfirmed, survey, good_answers(survey))
    assert count(Response) == 0
    submit_response(confirmed, survey, good_answers(survey))
    assert respondent_count(survey.id) == 1


def test_results_count_each_option_and_scale_value(factory, survey):
    for n in range(3):
        submit_response(factory.user(), survey, good_answers(survey))
    single = survey.questions[0]
    submit_response(factory.user(), survey, {single.id: [str(single.options[2].id)]})
    figures = results(survey)
    assert figures["respondents"] == 4
    single_rows, multiple_rows, scale_rows, text_rows = (item["rows"] for item in figures["questions"])
    assert single_rows == [("Datos abiertos", 3), ("Anticorrupción", 0), ("Ambiente", 1)]
    assert multiple_rows == [("Justicia", 3), ("Contratación", 0), ("Trámites", 3)]
    assert scale_rows == [("1", 0), ("2", 0), ("3", 0), ("4", 3), ("5", 0)]
    assert text_rows == [] and figures["questions"][3]["answered"] == 3
    rows = csv_rows(survey)
    assert ("¿Qué tema es el más urgente?", "Ambiente", 1) in rows
    assert ("¿Qué problema debería resolver el plan?", "", 3) in rows
    assert not any("presupuesto" in str(cell) for row in rows for cell in row)  # no free text in the open data


def test_moderators_read_free_text_and_citizens_cannot(factory, survey, moderator):
    submit_response(factory.user(), survey, good_answers(survey))
    page = free_text_answers(moderator, survey.questions[3])
    assert [answer.text for answer in page.items] == ["Que los datos del presupuesto sean abiertos."]
    with pytest.raises(NotAllowed):
        free_text_answers(factory.user(), survey.questions[3])


@pytest.mark.parametrize("change, message", [
    ({"kind": "ranking"}, "Tipo de pregunta"),
    ({"kind": "multiple_choice", "max_choices": 5}, "máximo de opciones"),
    ({"kind": "multiple_choice", "max_choices": None}, "máximo de opciones"),
    ({"kind": "single_choice", "options": ["Solo una"]}, "al menos dos opciones"),
    ({"kind": "scale", "scale_min": 5, "scale_max": 5, "options": []}, "escala"),
    ({"kind": "free_text", "options": ["a", "b"]}, "Solo las preguntas de selección"),
    ({"text": "¿?"}, "entre 3"),
])
def test_a_bad_question_is_refused_and_nothing_is_stored(change, message):
    questions = [dict(QUESTIONS[1], **change)]
    with pytest.raises(ValidationFailed, match=message):
        build_survey(questions=questions)
    assert count(Survey) == 0


def test_dates_outside_a_sane_range_are_refused():
    from datetime import datetime

    with pytest.raises(ValidationFailed, match="entre los años"):
        create_survey(title="Encuesta", opens_at=datetime(1, 1, 1), closes_at=utcnow(), questions=QUESTIONS)
    assert count(Survey) == 0


def test_an_admin_creating_a_survey_is_audited_and_a_citizen_cannot(factory, admin):
    from datetime import timedelta

    now = utcnow()
    create_survey(title="Encuesta", opens_at=now, closes_at=now + timedelta(days=1), questions=QUESTIONS, actor=admin)
    assert len(audit_entries("survey.create")) == 1
    with pytest.raises(NotAllowed):
        create_survey(title="Encuesta", opens_at=now, closes_at=now + timedelta(days=1), questions=QUESTIONS,
                      actor=factory.user())
    assert count(Survey) == 1
