"""The reference consultation: its tally reproduces the published figures, on every database."""
import json

from aga_consulta.accounts.models import User
from aga_consulta.accounts.services import authenticate
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.consultations.services import get_by_slug
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.proposals.models import StatusDecision
from aga_consulta.seed.catalogue import SELECTED
from aga_consulta.seed.participation import REACTIONS, SEED_DOMAIN
from aga_consulta.seed.reference import HISTORICAL_CLOSES, HISTORICAL_OPENS
from aga_consulta.tally.services import compute_tally, participation_over_time
from aga_consulta.voting.models import Vote
from tests.helpers import count


def published_figures(tally):
    """The figures of the real consultation that the reconstruction must reproduce."""
    return (
        tally["participants"], tally["comments"]["received"], tally["selected"],
        tally["proposals"]["national"], tally["proposals"]["subnational"],
    )


EXPECTED = (713, 149, {"total": 7, "national": 0, "subnational": 7}, 8, 18)


def row_counts():
    return {model.__name__: count(model) for model in (User, Vote, Comment, CommentReport, StatusDecision, AuditLogEntry)}


def test_the_seeded_tally_is_the_published_one_and_a_second_load_changes_nothing(runner):
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    consultation = get_by_slug("iv-plan-2020")
    assert consultation.is_reconstruction
    assert "reconstrucción" in consultation.description.lower()
    # History: closed at the real dates, every vote and comment inside them.
    assert (consultation.opens_at, consultation.closes_at) == (HISTORICAL_OPENS, HISTORICAL_CLOSES)
    assert consultation.phase() == "closed"
    assert count(Vote, Vote.cast_at >= HISTORICAL_CLOSES) == 0 and count(Vote, Vote.cast_at < HISTORICAL_OPENS) == 0
    assert count(Comment, Comment.created_at < HISTORICAL_OPENS) == 0
    assert count(Comment, Comment.created_at >= HISTORICAL_CLOSES) == 0
    tally = compute_tally(consultation)
    assert published_figures(tally) == EXPECTED
    # The reconstruction has the texture of a real consultation, not just its totals.
    assert tally["comments"]["hidden"] >= 1
    assert tally["voters"] < tally["participants"] and tally["commenters"] < tally["participants"]
    assert count(Vote, Vote.withdrawn_at.is_not(None)) > 0
    assert count(Comment, Comment.parent_id.is_not(None)) > 0
    assert count(User, User.role == "citizen") > tally["participants"]  # some registered and did nothing
    assert len(tally["by_department"]) >= 20
    assert {row["code"] for row in tally["ranking"] if row["status"] == "selected"} == set(SELECTED)
    series = participation_over_time(consultation)
    assert series[0]["day"].year == 2020 and series[-1]["cumulative"] == 713 and len(series) >= 10

    json_out = runner.invoke(args=["tally", "iv-plan-2020", "--json"])
    assert json_out.exit_code == 0
    assert json.loads(json_out.output) == tally

    before = row_counts()
    again = runner.invoke(args=["seed", "reference"])
    assert again.exit_code == 0 and "exists already" in again.output
    assert row_counts() == before
    assert compute_tally(get_by_slug("iv-plan-2020")) == tally


def test_synthetic_accounts_cannot_log_in(runner):
    runner.invoke(args=["seed", "reference"])
    seeded = count(User, User.email.like(f"%@{SEED_DOMAIN}"))
    assert seeded == count(User) and seeded > 713
    assert count(User, User.email.like(f"%@{SEED_DOMAIN}"), User.password_hash.like("%$%")) == 0
    some = User.query.filter(User.email.like(f"%@{SEED_DOMAIN}")).order_by(User.id).limit(3).all()
    for user in some:
        assert authenticate(user.email, "") is None
        assert authenticate(user.email, user.password_hash) is None


def test_reset_gives_the_same_figures_and_keeps_the_audit_log(runner):
    runner.invoke(args=["seed", "reference"])
    first = compute_tally(get_by_slug("iv-plan-2020"))
    audit_before = count(AuditLogEntry)
    users_before = count(User)
    result = runner.invoke(args=["seed", "reference", "--reset"])
    assert result.exit_code == 0, result.output
    consultation = get_by_slug("iv-plan-2020")
    second = compute_tally(consultation)
    assert published_figures(second) == EXPECTED
    assert second["ranking"] == first["ranking"] and second["by_department"] == first["by_department"]
    # Append-only: earlier entries stay, the reload adds its own; accounts are reused.
    assert count(AuditLogEntry) > audit_before
    assert count(User) == users_before
    assert count(StatusDecision) == count(StatusDecision, StatusDecision.consultation_id == consultation.id)
    # The processes are reloaded with the consultation: one of each, the same figures.
    from aga_consulta.processes.models import Process
    from aga_consulta.processes.services import compute_process_tally, get_by_slug as get_process

    assert count(Process) == 2
    sheet = compute_process_tally(get_process("iv-plan"))
    assert (sheet["survey"]["respondents"], sheet["workshops"]["participants"], sheet["experts"]["participants"]) == (
        880, 149, 31)


def test_no_two_people_wrote_the_same_comment_in_the_reference(runner):
    from sqlalchemy import func, select

    from aga_consulta.extensions import db

    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    reference = Comment.consultation_id == get_by_slug("iv-plan-2020").id
    bodies = db.session.scalars(select(Comment.body).where(reference)).all()
    assert len(bodies) == 149 and len(set(bodies)) == 149
    # Some people wrote several comments, and still never the same text twice.
    assert db.session.scalar(select(func.count(func.distinct(Comment.user_id))).where(reference)) < 149
    # A reply's text reacts to its parent, so it never opens a thread.
    replies = db.session.scalars(select(Comment.body).where(reference, Comment.parent_id.is_not(None))).all()
    threads = db.session.scalars(select(Comment.body).where(reference, Comment.parent_id.is_(None))).all()
    assert replies and all(body.startswith(REACTIONS) for body in replies)
    assert not any(body.startswith(REACTIONS) for body in threads)


def test_tally_command_prints_a_table_and_refuses_an_unknown_slug(runner, factory):
    consultation = factory.consultation(slug="mini")
    factory.proposal(consultation, code="N-9", title="Propuesta única")
    table = runner.invoke(args=["tally", "mini"])
    assert table.exit_code == 0
    assert "Participants       0" in table.output and "N-9" in table.output and "Propuesta única" in table.output
    missing = runner.invoke(args=["tally", "no-existe"])
    assert missing.exit_code != 0 and "no-existe" in missing.output
    assert runner.invoke(args=["tally", "no-existe", "--json"]).exit_code != 0


def test_reference_reports_never_predate_their_reporters(runner):
    from sqlalchemy import select

    from aga_consulta.accounts.models import User
    from aga_consulta.comments.models import Comment, CommentReport
    from aga_consulta.extensions import db

    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    rows = db.session.execute(
        select(CommentReport.created_at, User.created_at, Comment.created_at)
        .join(User, User.id == CommentReport.user_id)
        .join(Comment, Comment.id == CommentReport.comment_id)
    ).all()
    assert rows, "the reference consultation has reported comments"
    assert all(reporter_since <= reported_at and comment_at <= reported_at
               for reported_at, reporter_since, comment_at in rows)


def test_no_reference_vote_postdates_the_decision_that_closed_its_proposal(runner):
    """The reference keeps the rule it shows: a selected or not selected proposal takes no more votes."""
    from sqlalchemy import func, select

    from aga_consulta.extensions import db

    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    decided = select(StatusDecision.proposal_id, func.min(StatusDecision.created_at).label("at")).where(
        StatusDecision.to_status.in_(("selected", "not_selected"))).group_by(StatusDecision.proposal_id).subquery()
    assert db.session.scalar(select(func.count()).select_from(decided)) == 10
    late = db.session.scalar(
        select(func.count()).select_from(Vote).join(decided, decided.c.proposal_id == Vote.proposal_id)
        .where(Vote.cast_at >= decided.c.at)
    )
    assert late == 0
