"""The process page, its results-sheet CSV, the home page's link and `flask tally-process`."""
import csv
import io
import json


def test_the_process_page_shows_the_timeline_and_the_results_sheet(client, factory, process):
    factory.proposal(process.steps[4].consultation, code="S-1", scope="subnational")
    html = client.get("/processes/plan-v").get_data(as_text=True)
    assert "V Plan de Acción" in html and "Cronograma" in html and "Ficha de resultados" in html
    for label in ("Consulta temática", "Convocatoria de propuestas de compromisos", "Selección de compromisos"):
        assert label in html
    assert html.count("badge-closed") == 4 and html.count("badge-open") == 1 and html.count("badge-upcoming") == 1
    assert "Propuestas subnacionales recibidas" in html
    assert "/processes/plan-v/export/results_sheet.csv" in html


def test_the_page_speaks_english_on_request(client, process):
    client.post("/language", data={"lang": "en", "next": "/"})
    html = client.get("/processes/plan-v").get_data(as_text=True)
    assert "Timeline" in html and "Results sheet" in html and "Cronograma" not in html


def test_an_unknown_process_is_404(client):
    assert client.get("/processes/no-existe").status_code == 404
    assert client.get("/processes/" + "x" * 300).status_code == 404
    assert client.get("/processes/no-existe/export/results_sheet.csv").status_code == 404


def test_the_results_sheet_csv_has_step_metric_value(client, factory, process):
    factory.proposal(process.steps[4].consultation, code="N-1")
    response = client.get("/processes/plan-v/export/results_sheet.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "plan-v-results_sheet.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["step", "metric", "value"]
    assert ["call_for_proposals", "national", "1"] in rows
    assert rows[-1] == ["all", "distinct_people", "0"]


def test_an_unknown_export_is_404(client, process):
    assert client.get("/processes/plan-v/export/secret.csv").status_code == 404


def test_the_home_page_leads_to_processes(client, process):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/processes/plan-v"' in html and "Procesos de co-creación" in html


def test_tally_process_prints_the_contract_json(runner, process):
    result = runner.invoke(args=["tally-process", "plan-v", "--json"])
    assert result.exit_code == 0, result.output
    tally = json.loads(result.output)
    assert set(tally) == {"process", "survey", "workshops", "experts", "call", "consultation", "selected", "plan",
                          "distinct_people"}
    assert tally["consultation"]["slug"] == "consulta-proceso"
    table = runner.invoke(args=["tally-process", "plan-v"])
    assert table.exit_code == 0 and "distinct_people" in table.output
    missing = runner.invoke(args=["tally-process", "nada"])
    assert missing.exit_code != 0 and "No process" in missing.output


def test_the_survey_csv_has_question_option_responses(client, factory, process):
    from aga_consulta.surveys.services import submit_response
    from tests.surveys.conftest import build_survey, good_answers

    survey = build_survey(step=process.steps[0])
    submit_response(factory.user(), survey, good_answers(survey, free_text="=HYPERLINK(1)"))
    response = client.get("/processes/plan-v/export/survey.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["question", "option", "responses"]
    assert ["¿Qué tema es el más urgente?", "Datos abiertos", "1"] in rows
    assert "HYPERLINK" not in response.get_data(as_text=True)
    assert f'/surveys/{survey.id}' in client.get("/processes/plan-v").get_data(as_text=True)


def test_the_events_csv_lists_each_event_with_its_attendees(client, process, moderator):
    from datetime import timedelta
    from aga_consulta.events.services import create_event, record_attendance
    from aga_consulta.timeutil import utcnow

    start = utcnow() - timedelta(days=30)
    event = create_event(kind="workshop", theme="@Mesa de datos", starts_at=start, ends_at=start + timedelta(hours=2),
                         place="Cali", step=process.steps[1])
    record_attendance(moderator, event, department="76", sector="academia")
    rows = list(csv.reader(io.StringIO(client.get("/processes/plan-v/export/events.csv").get_data(as_text=True))))
    assert rows[0][:4] == ["event", "step", "kind", "theme"]
    assert rows[1][1:4] == ["workshops", "workshop", "'@Mesa de datos"] and rows[1][6] == "1"
    assert f"/events/{event.id}" in client.get("/processes/plan-v").get_data(as_text=True)
