"""The reference processes: the IV Plan's results sheet from records, and a practice process to try."""
import json
from datetime import timedelta

from sqlalchemy import func, select

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.consultations.services import get_by_slug as get_consultation
from aga_consulta.events.models import Attendance, Event
from aga_consulta.extensions import db
from aga_consulta.processes.services import get_by_slug, process_survey
from aga_consulta.proposals.models import Proposal, StatusDecision
from aga_consulta.surveys.models import Answer, Response
from aga_consulta.surveys.services import respondent_count
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.models import Vote
from tests.helpers import PASSWORD, count

#: The contract's `flask tally-process --json` keys, and those of each step's figures.
CONTRACT_KEYS = {"process", "survey", "workshops", "experts", "call", "consultation", "selected", "plan",
                 "distinct_people"}
STEP_KEYS = {"survey": {"respondents"}, "workshops": {"sessions", "participants"},
             "experts": {"sessions", "participants"}, "call": {"national", "subnational"},
             "consultation": {"slug", "participants", "comments"}, "selected": {"total", "national", "subnational"}}

PUBLISHED = {
    "survey": {"respondents": 880},
    "call": {"national": 8, "subnational": 18},
    "selected": {"total": 7, "national": 0, "subnational": 7},
}


def test_the_iv_plan_results_sheet_is_the_published_one_and_the_demo_is_open(runner, client):
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    result = runner.invoke(args=["tally-process", "iv-plan", "--json"])
    assert result.exit_code == 0, result.output
    tally = json.loads(result.output)
    assert set(tally) == CONTRACT_KEYS and tally["process"] == "iv-plan"
    assert {key: set(tally[key]) for key in STEP_KEYS} == STEP_KEYS
    assert all(isinstance(value, int) for key in STEP_KEYS for name, value in tally[key].items() if name != "slug")
    assert {key: tally[key] for key in PUBLISHED} == PUBLISHED
    assert tally["workshops"]["participants"] == 149 and tally["workshops"]["sessions"] == 8
    assert tally["experts"]["participants"] == 31 and tally["experts"]["sessions"] == 4
    assert tally["consultation"] == {"slug": "iv-plan-2020", "participants": 713, "comments": 149}
    # Survey respondents, consultation participants and unlinked attendees; linked ones once.
    assert tally["distinct_people"] == 880 + 713 + (149 - 40) + 31

    process = get_by_slug("iv-plan")
    now = utcnow()
    assert process.is_reconstruction and not process.is_practice
    assert all(step.state(now) == "closed" and step.closes_at.year == 2020 for step in process.steps)
    selection, consultation_step = process.steps[-1], process.steps[-2]
    assert selection.opens_at >= consultation_step.closes_at
    assert consultation_step.consultation.slug == "iv-plan-2020"
    # The consultation is closed at its final figures; the committee decided after it closed.
    assert consultation_step.consultation.phase(now) == "closed"
    decided = db.session.scalars(select(StatusDecision.created_at).where(
        StatusDecision.consultation_id == consultation_step.consultation_id)).all()
    assert decided and all(selection.opens_at <= at < selection.closes_at for at in decided)
    # The records' texture: 29 departments, no response before its account, notes published.
    survey = process_survey(process)
    assert db.session.scalar(select(func.count(func.distinct(User.department_code)))
                             .join(Response, Response.user_id == User.id)
                             .where(Response.survey_id == survey.id)) == 29
    assert count(Response, Response.created_at < survey.opens_at) == 0
    assert db.session.scalar(select(func.count()).select_from(Response).join(User, User.id == Response.user_id)
                             .where(User.created_at > Response.created_at)) == 0
    texts = [text for (text,) in db.session.execute(select(Answer.text).where(Answer.text.is_not(None)))]
    assert texts and len(texts) == len(set(texts))
    assert count(Event, Event.notes_published_at.is_(None)) == 0
    assert count(Attendance, Attendance.user_id.is_not(None)) == 50
    page = client.get("/processes/iv-plan").get_data(as_text=True)
    assert "880" in page and "149" in page and "713" in page

    demo = get_by_slug("demo")
    assert demo.is_practice and all(step.is_open() for step in demo.steps)
    assert all(timedelta(days=59) < step.closes_at - now <= timedelta(days=60) for step in demo.steps)
    demo_consultation = get_consultation("demo")
    assert demo_consultation.is_open()
    scopes = {scope for (scope,) in db.session.execute(
        select(Proposal.scope).where(Proposal.consultation_id == demo_consultation.id))}
    assert scopes == {"national", "subnational"}

    # Labelled as practice wherever it shows, the home page leading to both processes.
    home = client.get("/").get_data(as_text=True)
    assert 'href="/processes/iv-plan"' in home and 'href="/processes/demo"' in home
    assert "Consulta de práctica: lo que hagas aquí no cuenta" in home
    page = client.get("/consultations/demo").get_data(as_text=True)
    assert "Proceso de práctica." in page and 'href="/processes/demo"' in page
    history = client.get("/consultations/iv-plan-2020").get_data(as_text=True)
    assert "Proceso de práctica." not in history and 'href="/processes/iv-plan"' in history

    # A newcomer registers, then at once answers the practice survey, votes and comments.
    registered = client.post("/auth/register", data={
        "name": "Recién Llegada", "email": "recien@example.co", "password": PASSWORD,
        "password_confirm": PASSWORD, "department": "76", "accept_terms": "y"})
    assert registered.status_code == 302  # registered and logged in
    newcomer = User.query.filter_by(email="recien@example.co").one()
    demo_survey = process_survey(demo)
    first = demo_survey.questions[0]
    answered = client.post(f"/surveys/{demo_survey.id}", data={f"q{first.id}": [str(first.options[0].id)]})
    assert answered.status_code == 303 and respondent_count(demo_survey.id) == 1
    proposal = db.session.scalar(select(Proposal).where(Proposal.consultation_id == demo_consultation.id,
                                                        Proposal.scope == "subnational"))
    assert client.post(f"/proposals/{proposal.id}/vote").status_code == 303
    assert count(Vote, Vote.proposal_id == proposal.id, Vote.user_id == newcomer.id) == 1
    body = "Me gustaría saber cómo se eligen los proyectos de cada comuna."
    assert client.post(f"/proposals/{proposal.id}/comments", data={"body": body}).status_code == 303
    assert count(Comment, Comment.proposal_id == proposal.id, Comment.user_id == newcomer.id, Comment.body == body) == 1
