"""Processes: the validated create, step states, and the results sheet computed from records."""
from datetime import datetime, timedelta

import pytest

from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.processes.models import Process, Step, StepState
from aga_consulta.processes.services import (
    ProcessSlugTaken, compute_process_tally, create_process, get_by_slug, results_sheet,
)
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.services import cast_vote
from aga_consulta.comments.services import add_comment
from tests.helpers import audit_entries, count
from tests.processes.conftest import KINDS, six_steps


def test_steps_keep_their_order_and_state_follows_the_dates(process):
    now = utcnow()
    assert [step.kind for step in process.steps] == list(KINDS)
    assert [step.position for step in process.steps] == [1, 2, 3, 4, 5, 6]
    states = [step.state(now) for step in process.steps]
    assert states == [StepState.CLOSED] * 4 + [StepState.OPEN, StepState.UPCOMING]


def test_an_admin_creating_a_process_is_audited(factory, admin):
    consultation = factory.consultation()
    create_process(slug="plan", title="Plan", steps=six_steps(consultation, utcnow()), actor=admin)
    assert [e.target_label for e in audit_entries("process.create")] == ["plan"]


def test_a_citizen_cannot_create_a_process(factory):
    with pytest.raises(NotAllowed):
        create_process(slug="plan", title="Plan", steps=[], actor=factory.user())
    assert count(Process) == 0


@pytest.mark.parametrize("change, message", [
    ({"opens_at": datetime(1900, 1, 1)}, "entre los años"),
    ({"closes_at": datetime(9999, 12, 31)}, "entre los años"),
    ({"opens_at": None}, "Indica la fecha"),
    ({"opens_at": "2020-01-01"}, "Indica la fecha"),
    ({"kind": "party"}, "Tipo de etapa desconocido"),
    ({"consultation": None}, "se refieren a una consulta"),
])
def test_a_bad_step_is_refused_and_nothing_is_stored(factory, change, message):
    consultation = factory.consultation()
    steps = six_steps(consultation, utcnow())
    steps[4].update(change)
    with pytest.raises(ValidationFailed) as error:
        create_process(slug="plan", title="Plan", steps=steps)
    assert message in str(error.value.message) and error.value.status == 400
    assert count(Process) == 0 and count(Step) == 0


def test_a_window_that_closes_before_it_opens_and_a_kind_twice_are_refused(factory):
    consultation = factory.consultation()
    steps = six_steps(consultation, utcnow())
    steps[0]["closes_at"] = steps[0]["opens_at"]
    with pytest.raises(ValidationFailed, match="posterior"):
        create_process(slug="plan", title="Plan", steps=steps)
    steps = six_steps(consultation, utcnow())
    steps[1]["kind"] = "thematic_survey"
    with pytest.raises(ValidationFailed, match="una sola vez"):
        create_process(slug="plan", title="Plan", steps=steps)
    assert count(Process) == 0


def test_slugs_are_unique_and_checked(process):
    with pytest.raises(ProcessSlugTaken):
        create_process(slug="plan-v", title="Otro", steps=[])
    with pytest.raises(ValidationFailed):
        create_process(slug="Plan V!", title="Otro", steps=[])
    assert count(Process) == 1
    assert get_by_slug("x" * 500) is None and get_by_slug("plan-v").id == process.id


def test_the_results_sheet_counts_the_consultation_from_its_records(factory, process):
    consultation = process.steps[4].consultation
    national = factory.proposal(consultation, code="N-1")
    factory.proposal(consultation, code="S-1", scope="subnational")
    factory.proposal(consultation, code="S-2", scope="subnational")
    voter, commenter = factory.user(), factory.user()
    cast_vote(voter, national)
    cast_vote(commenter, national)
    add_comment(commenter, national, "Un comentario con contenido suficiente.")
    tally = compute_process_tally(process)
    assert tally["process"] == "plan-v"
    assert tally["call"] == {"national": 1, "subnational": 2}
    assert tally["consultation"] == {"slug": consultation.slug, "participants": 2, "comments": 1}
    assert tally["selected"] == {"total": 0, "national": 0, "subnational": 0}
    assert tally["distinct_people"] == 2
    sheet = results_sheet(process, tally)
    assert ("call_for_proposals", "subnational", 2) in sheet
    assert sheet[-1] == ("all", "distinct_people", 2)
    # In step order.
    kinds = [kind for kind, _metric, _value in sheet[:-1]]
    assert kinds == sorted(kinds, key=KINDS.index)


def test_a_process_without_a_consultation_step_has_zero_figures():
    start = utcnow()
    process = create_process(slug="solo-encuesta", title="Solo encuesta", steps=[
        {"kind": "thematic_survey", "opens_at": start, "closes_at": start + timedelta(days=3)}])
    tally = compute_process_tally(process)
    assert tally["consultation"]["slug"] is None and tally["distinct_people"] == 0
    assert [row[0] for row in results_sheet(process, tally)] == ["thematic_survey", "all"]


def test_survey_respondents_count_once_and_people_count_once_across_steps(factory, process):
    from tests.surveys.conftest import build_survey, good_answers
    from aga_consulta.surveys.services import submit_response

    survey = build_survey(step=process.steps[0])
    consultation = process.steps[4].consultation
    proposal = factory.proposal(consultation, code="N-1")
    both, survey_only = factory.user(), factory.user()
    for citizen in (both, survey_only):
        submit_response(citizen, survey, good_answers(survey))
    submit_response(both, survey, good_answers(survey))  # answering again: still one respondent
    cast_vote(both, proposal)
    tally = compute_process_tally(process)
    assert tally["survey"] == {"respondents": 2}
    assert tally["consultation"]["participants"] == 1
    assert tally["distinct_people"] == 2


def test_workshop_and_expert_figures_come_from_attendance(factory, process, moderator):
    from aga_consulta.events.services import create_event, record_attendance

    start = utcnow() - timedelta(days=30)
    def event(step, kind, theme):
        return create_event(kind=kind, theme=theme, starts_at=start, ends_at=start + timedelta(hours=2),
                            place="Bogotá", step=step)
    first = event(process.steps[1], "workshop", "Mesa de datos")
    second = event(process.steps[1], "workshop", "Mesa de justicia")
    expert = event(process.steps[2], "expert_session", "Conversación técnica")
    citizen = factory.user()
    for workshop_event in (first, second):
        record_attendance(moderator, workshop_event, department="11", sector="academia", email=citizen.email)
    record_attendance(moderator, first, department="76", sector="civil_society")
    record_attendance(moderator, expert, department="11", sector="academia")
    tally = compute_process_tally(process)
    assert tally["workshops"] == {"sessions": 2, "participants": 2}
    assert tally["experts"] == {"sessions": 1, "participants": 1}
    assert tally["distinct_people"] == 3  # the linked citizen once, two unlinked rows
