"""Dates outside a sane range, or not dates at all, on every co-creation form: 400, never 500, nothing stored."""
import pytest

from aga_consulta.calls.models import Milestone, Submission
from aga_consulta.events.models import Event
from aga_consulta.processes.models import Process
from aga_consulta.surveys.models import Survey
from tests.helpers import JSON, count, login
from tests.moderation.test_cocreation_screens import event_form, process_form, survey_form
from tests.processes.test_call import FORM, build_process, institution

BAD_DAYS = ["1800-01-01", "0001-01-01", "9999-12-31", "99999-01-01", "2027-02-30", "mañana", "2027-1-1x"]
BAD_TIMES = ["1800-01-01T08:00", "0001-01-01T00:00", "9999-12-31T23:59", "99999-01-01T08:00", "2027-02-30T08:00",
             "mañana", "2027-01-01T25:00"]


@pytest.mark.parametrize("field", ["starts_on", "ends_on", "milestone_1_starts_on", "milestone_1_ends_on"])
@pytest.mark.parametrize("day", BAD_DAYS)
def test_call_dates(client, factory, field, day):
    build_process(factory)
    login(client, institution().email)
    response = client.post("/processes/plan-convocatoria/call", data={**FORM, field: day}, headers=JSON)
    assert response.status_code == 400
    assert count(Submission) == 0 and count(Milestone) == 0


@pytest.mark.parametrize("field", ["steps-0-opens_at", "steps-0-closes_at"])
@pytest.mark.parametrize("when", BAD_TIMES)
def test_process_dates(client, admin, field, when):
    login(client, admin.email)
    response = client.post("/moderation/processes/new", data={**process_form(), field: when})
    assert response.status_code == 400 and count(Process) == 0


@pytest.mark.parametrize("field", ["opens_at", "closes_at"])
@pytest.mark.parametrize("when", BAD_TIMES)
def test_survey_dates(client, admin, field, when):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    response = client.post("/moderation/processes/v-plan/survey", data=survey_form(**{field: when}))
    assert response.status_code == 400 and count(Survey) == 0


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
@pytest.mark.parametrize("when", BAD_TIMES)
def test_event_dates(client, admin, field, when):
    login(client, admin.email)
    client.post("/moderation/processes/new", data=process_form())
    response = client.post("/moderation/processes/v-plan/events/new", data=event_form(**{field: when}))
    assert response.status_code == 400 and count(Event) == 0
