"""Traceability (OGP Standard 4): where a proposal came from, and what became of a workshop's inputs."""
from datetime import timedelta

import pytest

from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.events.models import EventOutcome
from aga_consulta.events.services import create_event, outcomes
from aga_consulta.processes.models import StepKind
from aga_consulta.processes.origins import candidates, origins, set_origins
from aga_consulta.processes.services import step_of
from aga_consulta.proposals import workflow
from aga_consulta.surveys.models import ThemeLink
from aga_consulta.surveys.services import create_survey
from aga_consulta.timeutil import utcnow
from tests.helpers import REASON, audit_entries, count, login, statements_of
from tests.surveys.conftest import QUESTIONS


@pytest.fixture
def linked(process, factory):
    """The process's survey, a workshop of its workshop step, and a proposal of its consultation."""
    survey_step, workshop_step = step_of(process, StepKind.THEMATIC_SURVEY), step_of(process, StepKind.WORKSHOPS)
    survey = create_survey(title="Consulta temática", opens_at=survey_step.opens_at, closes_at=survey_step.closes_at,
                           questions=QUESTIONS, step=survey_step)
    start = workshop_step.opens_at + timedelta(days=1)
    event = create_event(kind="workshop", theme="Mesa de datos abiertos", starts_at=start,
                         ends_at=start + timedelta(hours=2), place="Bogotá", step=workshop_step)
    consultation = step_of(process, StepKind.CONSULTATION).consultation
    proposal = factory.proposal(consultation, code="N-1", title="Datos abiertos de contratación")
    return survey, event, proposal


def test_moderators_link_a_proposal_to_themes_and_workshops(linked, moderator):
    survey, event, proposal = linked
    theme = survey.questions[0].options[0]
    offered = candidates(proposal)
    assert [e.id for e in offered["events"]] == [event.id]
    # Options of the choice questions only (single and multiple choice): 3 + 3.
    assert len(offered["options"]) == 6
    assert set_origins(moderator, proposal, event_ids=[str(event.id)], option_ids=[str(theme.id)]) is True
    found = origins(proposal)
    assert [e.id for e in found["events"]] == [event.id] and [o.id for _q, o in found["themes"]] == [theme.id]
    assert [p.id for p in outcomes(event)] == [proposal.id]
    assert set_origins(moderator, proposal, event_ids=[str(event.id)], option_ids=[str(theme.id)]) is False
    entries = audit_entries("proposal.origins")
    assert len(entries) == 1 and entries[0].target_id == proposal.id


def test_links_outside_the_process_are_refused_and_nothing_is_stored(linked, moderator, factory):
    survey, event, proposal = linked
    stray = create_event(kind="workshop", theme="Otra mesa", starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=1),
                         place="Cali")
    other = create_survey(title="Otra encuesta", opens_at=utcnow(), closes_at=utcnow() + timedelta(days=1),
                          questions=QUESTIONS)
    for events, themes in (([str(stray.id)], []), ([], ["999999"]), (["x"], []),
                           ([], [str(other.questions[0].options[0].id)])):
        with pytest.raises(ValidationFailed):
            set_origins(moderator, proposal, event_ids=events, option_ids=themes)
    with pytest.raises(NotAllowed):
        set_origins(factory.user(), proposal, event_ids=[str(event.id)], option_ids=[])
    assert count(EventOutcome) == 0 and count(ThemeLink) == 0 and audit_entries("proposal.origins") == []


def test_pages_show_where_a_proposal_came_from_and_what_became_of_a_workshop(client, linked, moderator):
    survey, event, proposal = linked
    theme = survey.questions[0].options[1]
    login(client, moderator.email)
    html = client.get(f"/moderation/proposals/{proposal.id}").get_data(as_text=True)
    assert "Origen de la propuesta" in html and "Mesa de datos abiertos" in html
    response = client.post(f"/moderation/proposals/{proposal.id}/origins",
                           data={"events": [str(event.id)], "themes": [str(theme.id)]})
    assert response.status_code == 303
    bad = client.post(f"/moderation/proposals/{proposal.id}/origins", data={"events": ["424242"]})
    # Back on the proposal's page (never left on the POST-only address), the message beside its group.
    assert bad.status_code == 303
    assert bad.headers["Location"].endswith(f"/moderation/proposals/{proposal.id}#origins-heading")
    shown = client.get(bad.headers["Location"]).get_data(as_text=True)
    assert 'id="events-group" aria-describedby="events-error"' in shown
    assert 'id="events-error">Elige entre los temas y talleres del proceso.</p>' in shown
    assert count(EventOutcome) == 1
    workflow.change_status(moderator, proposal, "shortlisted", REASON)
    workflow.change_status(moderator, proposal, "selected", REASON)
    public = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "De dónde viene esta propuesta" in public and theme.label in public and "Mesa de datos abiertos" in public
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Datos abiertos de contratación" in page and "Seleccionada" in page and ">Sí<" in page


def test_the_proposal_page_costs_at_most_five_statements_with_every_origin(client, linked, moderator, factory):
    """Issue 15's budget holds on the page that reads the most: themes, a workshop, a citizen."""
    survey, event, proposal = linked
    set_origins(moderator, proposal, event_ids=[str(event.id)], option_ids=[str(survey.questions[0].options[0].id)])
    url = f"/proposals/{proposal.id}"
    client.get(url)  # warm
    assert statements_of(client, url) <= 5
    citizen = factory.user()
    login(client, citizen.email)
    client.get(url)
    assert statements_of(client, url) <= 5
    page = client.get(url).get_data(as_text=True)
    assert "Mesa de datos abiertos" in page and survey.questions[0].options[0].label in page
