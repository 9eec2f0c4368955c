"""Staff screens of the co-creation cycle: processes and steps, surveys and questions, events."""
from datetime import timedelta

import pytest

from aga_consulta.events.models import Event
from aga_consulta.events.services import create_event, register
from aga_consulta.extensions import db
from aga_consulta.processes.models import Process, Step
from aga_consulta.processes.services import get_by_slug
from aga_consulta.surveys.models import Question, Survey
from aga_consulta.surveys.services import get_survey, submit_response
from aga_consulta.timeutil import utcnow
from tests.helpers import audit_entries, count, login

KINDS = ("thematic_survey", "workshops", "expert_sessions", "call_for_proposals", "consultation", "selection")


def step_rows(rows):
    """Form data for the six step rows: {kind: (position, opens, closes)} for the included ones."""
    data = {}
    for n, kind in enumerate(KINDS):
        data[f"steps-{n}-kind"] = kind
        if kind in rows:
            position, opens, closes = rows[kind]
            data.update({f"steps-{n}-include": "y", f"steps-{n}-position": str(position),
                         f"steps-{n}-opens_at": opens, f"steps-{n}-closes_at": closes})
    return data


def process_form(slug="v-plan", **rows):
    rows = rows or {"thematic_survey": (1, "2027-01-10T08:00", "2027-02-10T18:00"),
                    "workshops": (2, "2027-02-11T08:00", "2027-03-10T18:00")}
    return {"slug": slug, "title": "Co-creación del V Plan", "description": "El V Plan.", "consultation": "",
            **step_rows(rows)}


def test_an_admin_creates_a_process_with_ordered_steps(client, admin):
    login(client, admin.email)
    assert client.get("/moderation/processes/new").status_code == 200
    response = client.post("/moderation/processes/new", data=process_form())
    assert response.status_code == 303 and response.headers["Location"].endswith("/processes/v-plan")
    process = get_by_slug("v-plan")
    assert [(s.position, s.kind) for s in process.steps] == [(1, "thematic_survey"), (2, "workshops")]
    # 08:00 in Bogotá is 13:00 UTC.
    assert process.steps[0].opens_at.hour == 13
    assert len(audit_entries("process.create")) == 1
    assert "Co-creación del V Plan" in client.get("/moderation/processes").get_data(as_text=True)


@pytest.mark.parametrize("rows, message", [
    ({"workshops": (1, "1800-01-01T08:00", "2027-03-10T18:00")}, "entre los años"),
    ({"workshops": (1, "99999-01-01T08:00", "2027-03-10T18:00")}, "Revisa"),
    ({"workshops": (1, "2027-03-10T08:00", "2027-03-01T18:00")}, "posterior a la de apertura"),
    ({"workshops": (1, "", "2027-03-10T18:00")}, "apertura y el cierre"),
    ({"consultation": (1, "2027-03-01T08:00", "2027-03-10T18:00")}, "se refieren a una consulta"),
])
def test_a_bad_timeline_is_refused_with_400_and_nothing_is_stored(client, admin, rows, message):
    login(client, admin.email)
    response = client.post("/moderation/processes/new", data=process_form(**rows))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(Process) == 0 and count(Step) == 0 and audit_entries("process.create") == []


def test_only_admins_create_processes_and_citizens_see_no_staff_screen(client, factory, moderator):
    login(client, moderator.email)
    assert client.post("/moderation/processes/new", data=process_form()).status_code == 403
    assert client.get("/moderation/processes").status_code == 200
    client.post("/auth/logout")
    login(client, factory.user().email)
    assert client.get("/moderation/processes").status_code == 403
    assert count(Process) == 0


def test_an_admin_edits_the_timeline_and_cannot_drop_a_step_with_records(client, admin):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    process = get_by_slug("v-plan")
    workshops = next(s for s in process.steps if s.kind == "workshops")
    create_event(kind="workshop", theme="Mesa de ambiente", starts_at=workshops.opens_at + timedelta(days=1),
                 ends_at=workshops.opens_at + timedelta(days=1, hours=2), place="Leticia", step=workshops)
    assert client.get("/moderation/processes/v-plan/edit").status_code == 200
    moved = process_form(thematic_survey=(2, "2027-01-10T08:00", "2027-02-10T18:00"),
                         workshops=(1, "2027-02-11T08:00", "2027-03-20T18:00"),
                         expert_sessions=(3, "2027-03-21T08:00", "2027-03-30T18:00"))
    response = client.post("/moderation/processes/v-plan/edit", data=moved)
    assert response.status_code == 303
    process = get_by_slug("v-plan")
    assert [s.kind for s in process.steps] == ["workshops", "thematic_survey", "expert_sessions"]
    assert process.steps[0].id == workshops.id and len(audit_entries("process.update")) == 1
    dropped = process_form(thematic_survey=(1, "2027-01-10T08:00", "2027-02-10T18:00"))
    refused = client.post("/moderation/processes/v-plan/edit", data=dropped)
    assert refused.status_code == 400 and "ya tiene encuesta, eventos o propuestas" in refused.get_data(as_text=True)
    assert count(Step) == 3 and len(audit_entries("process.update")) == 1


def survey_form(**changes):
    data = {"title": "Consulta temática del V Plan", "description": "", "opens_at": "2027-01-10T08:00",
            "closes_at": "2027-02-10T18:00",
            "questions-0-kind": "multiple_choice", "questions-0-text": "¿Qué temas?", "questions-0-required": "y",
            "questions-0-options": "Datos abiertos\nAmbiente\nJusticia", "questions-0-max_choices": "2",
            "questions-1-kind": "scale", "questions-1-text": "¿Qué tan urgente?", "questions-1-scale_min": "1",
            "questions-1-scale_max": "5",
            "questions-2-kind": "free_text", "questions-2-text": "¿Qué problema?"}
    data.update(changes)
    return data


def test_an_admin_creates_and_edits_the_survey_until_someone_answers(client, admin, factory):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    response = client.post("/moderation/processes/v-plan/survey", data=survey_form())
    assert response.status_code == 303
    survey = get_survey(Survey.query.one().id)
    assert [(q.kind, q.required, q.max_choices) for q in survey.questions] == [
        ("multiple_choice", True, 2), ("scale", False, None), ("free_text", False, None)]
    assert [o.label for o in survey.questions[0].options] == ["Datos abiertos", "Ambiente", "Justicia"]
    page = client.get("/moderation/processes/v-plan/survey").get_data(as_text=True)
    assert "Datos abiertos\nAmbiente\nJusticia" in page
    edited = client.post("/moderation/processes/v-plan/survey",
                         data=survey_form(**{"questions-0-max_choices": "3", "closes_at": "2099-02-10T18:00"}))
    assert edited.status_code == 303 and len(audit_entries("survey.update")) == 1
    db.session.expire_all()
    survey = get_survey(survey.id)
    # Nobody answers a survey that has not opened: open it now, then someone answers.
    survey.opens_at = utcnow() - timedelta(days=1)
    db.session.commit()
    first = survey.questions[0]
    submit_response(factory.user(), survey, {first.id: [str(first.options[0].id)]})
    refused = client.post("/moderation/processes/v-plan/survey",
                          data=survey_form(**{"questions-0-max_choices": "1", "opens_at": "2027-01-10T08:00",
                                              "closes_at": "2099-02-10T18:00"}))
    assert refused.status_code == 400
    assert "ya tiene respuestas" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert get_survey(survey.id).questions[0].max_choices == 3


@pytest.mark.parametrize("changes, message", [
    ({"opens_at": "1999-12-31T08:00"}, "entre los años"),
    ({"closes_at": "2027-01-01T08:00"}, "posterior a la de apertura"),
    ({"questions-0-max_choices": "9"}, "máximo de opciones"),
    ({"questions-0-options": "Solo una"}, "al menos dos opciones"),
    ({"questions-1-kind": "poll"}, "Not a valid choice"),
    ({"questions-0-kind": "", "questions-1-kind": "", "questions-2-kind": ""}, "al menos una pregunta"),
])
def test_a_bad_survey_is_refused_with_400_and_nothing_is_stored(client, admin, changes, message):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    response = client.post("/moderation/processes/v-plan/survey", data=survey_form(**changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(Survey) == 0 and count(Question) == 0


def event_form(**changes):
    data = {"kind": "workshop", "theme": "Mesa de justicia abierta", "starts_at": "2027-02-15T09:00",
            "ends_at": "2027-02-15T12:00", "place": "Universidad de Antioquia", "link": "", "capacity": "30",
            "registration_open": "y"}
    data.update(changes)
    return data


def test_a_moderator_creates_and_edits_an_event(client, admin, moderator):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    client.post("/auth/logout")
    login(client, moderator.email)
    assert client.get("/moderation/processes/v-plan/events/new?kind=workshop").status_code == 200
    response = client.post("/moderation/processes/v-plan/events/new", data=event_form())
    assert response.status_code == 303
    event = Event.query.one()
    assert event.registration_open and event.capacity == 30 and event.step_id is not None
    edited = client.post(f"/moderation/events/{event.id}/edit",
                         data=event_form(capacity="", link="https://meet.example.co/mesa", place=""))
    assert edited.status_code == 303 and len(audit_entries("event.update")) == 1
    db.session.expire_all()
    event = Event.query.one()
    assert event.capacity is None and event.link == "https://meet.example.co/mesa" and event.place is None
    no_step = client.post("/moderation/processes/v-plan/events/new", data=event_form(kind="expert_session"))
    assert no_step.status_code == 400 and count(Event) == 1


@pytest.mark.parametrize("changes, message", [
    ({"starts_at": "1800-02-15T09:00"}, "entre los años"),
    ({"ends_at": "3000-02-15T09:00"}, "entre los años"),
    ({"ends_at": "2027-02-15T08:00"}, "posterior al inicio"),
    ({"place": "", "link": "javascript:alert(1)"}, "no son válidos"),
    ({"place": "", "link": ""}, "lugar o un enlace"),
    ({"capacity": "0"}, "Entre 1 y 100000"),
])
def test_a_bad_event_is_refused_with_400_and_nothing_is_stored(client, admin, changes, message):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    response = client.post("/moderation/processes/v-plan/events/new", data=event_form(**changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(Event) == 0 and audit_entries("event.create") == []


def test_capacity_cannot_drop_below_the_registrants(client, factory, moderator):
    start = utcnow() + timedelta(days=3)
    event = create_event(kind="workshop", theme="Mesa de datos", starts_at=start, ends_at=start + timedelta(hours=2),
                         place="Cali", capacity=5, registration_open=True)
    register(factory.user(), event)
    register(factory.user(), event)
    login(client, moderator.email)
    local = (start - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    ends = (start - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/moderation/events/{event.id}/edit",
                           data=event_form(theme="Mesa de datos", starts_at=local, ends_at=ends, place="Cali",
                                           capacity="1"))
    assert response.status_code == 400 and "ya inscritas" in response.get_data(as_text=True)
    db.session.expire_all()
    assert Event.query.one().capacity == 5


def test_the_dashboard_links_the_cocreation_screens(client, moderator, factory):
    factory.consultation()
    login(client, moderator.email)
    assert "/moderation/processes" in client.get("/moderation/").get_data(as_text=True)
