"""users.first_participated_at: kept by votes and comments, filled from the records by its migration.

A report's weight depends on it (comments.moderation.report_counts).
"""
from datetime import datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from aga_consulta import create_app
from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.services import AlreadyVoted, cast_vote, withdraw_vote


def _first(user):
    db.session.expire_all()
    return db.session.get(type(user), user.id).first_participated_at


def test_the_first_vote_or_comment_is_kept_the_earliest_whatever_the_order(factory):
    consultation = factory.consultation()
    first, second = factory.proposal(consultation), factory.proposal(consultation)
    user, idle = factory.user(), factory.user()
    start = utcnow()
    assert _first(user) is None
    cast_vote(user, first, now=start)
    assert _first(user) == start
    add_comment(user, first, "Un comentario más tarde", now=start + timedelta(minutes=5))
    withdraw_vote(user, first, now=start + timedelta(minutes=6))
    assert _first(user) == start
    # Replayed activity may arrive out of order: an earlier comment moves it back.
    add_comment(user, second, "Un comentario anterior", now=start - timedelta(minutes=5))
    assert _first(user) == start - timedelta(minutes=5)
    assert _first(idle) is None


def test_a_refused_vote_is_no_participation(factory):
    proposal = factory.proposal(factory.consultation())
    voter, other = factory.user(), factory.user()
    start = utcnow()
    cast_vote(voter, proposal, now=start)
    with pytest.raises(AlreadyVoted):
        cast_vote(voter, proposal, now=start - timedelta(minutes=1))
    assert _first(voter) == start
    assert _first(other) is None


def test_the_migration_fills_it_from_the_votes_and_comments_already_stored(tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db"})
    with app.app_context():
        upgrade(revision="0003")
        at = datetime(2020, 10, 13, 12, 0, 0)
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO consultations (id, slug, title, description, opens_at, closes_at, created_at) "
                "VALUES (1, 'plan', 'Plan', '', :at, :closes, :at)"), {"at": at, "closes": at + timedelta(days=9)})
            conn.execute(text(
                "INSERT INTO proposals (id, consultation_id, code, title, summary, body, scope, proposer, status, "
                "created_at) VALUES (1, 1, 'P-1', 'P', '', '', 'national', '', 'received', :at)"), {"at": at})
            for user_id in (1, 2, 3, 4):
                conn.execute(text(
                    "INSERT INTO users (id, email, name, password_hash, department_code, role, active, session_token, "
                    "consented_at, created_at) VALUES (:id, :email, 'N', 'x', '11', 'citizen', 1, :token, :at, :at)"),
                    {"id": user_id, "email": f"u{user_id}@example.co", "token": f"t{user_id}", "at": at})
            # 1 voted (the vote later withdrawn) then commented; 2 commented then voted; 3 only
            # commented; 4 did nothing.
            votes = [(1, at + timedelta(hours=1), at + timedelta(hours=5)), (2, at + timedelta(hours=4), None)]
            for n, (user_id, cast_at, withdrawn_at) in enumerate(votes, start=1):
                conn.execute(text(
                    "INSERT INTO votes (id, user_id, proposal_id, consultation_id, cast_at, withdrawn_at) "
                    "VALUES (:id, :user_id, 1, 1, :cast_at, :withdrawn_at)"),
                    {"id": n, "user_id": user_id, "cast_at": cast_at, "withdrawn_at": withdrawn_at})
            comments = [(1, at + timedelta(hours=2)), (2, at + timedelta(hours=3)), (3, at + timedelta(hours=6)),
                        (3, at + timedelta(hours=7))]
            for n, (user_id, created_at) in enumerate(comments, start=1):
                conn.execute(text(
                    "INSERT INTO comments (id, proposal_id, consultation_id, user_id, body, status, created_at) "
                    "VALUES (:id, 1, 1, :user_id, 'Texto', 'published', :created_at)"),
                    {"id": n, "user_id": user_id, "created_at": created_at})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, first_participated_at FROM users ORDER BY id")).all()
        db.session.remove()
        db.engine.dispose()
    found = {user_id: value and datetime.fromisoformat(str(value)) for user_id, value in rows}
    assert found == {1: at + timedelta(hours=1), 2: at + timedelta(hours=3), 3: at + timedelta(hours=6), 4: None}
