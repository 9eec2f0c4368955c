"""Case 21: every moderator action is in the audit log with actor, target and time; every
failed login is logged with who tried (address) and which account; no password, session
token, CSRF token or cookie ever reaches a log, database errors included.
"""
import io
import logging
import re
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.timeutil import utcnow
from tests.helpers import PASSWORD, csrf_token, login
from tests.security.support import fetch
from tests.security.test_faults import make_app, terminator  # noqa: F401  (fixtures)

TOKEN_RE = re.compile(r"\b[0-9a-f]{40}\b")


def test_every_moderator_action_is_audited_with_actor_target_and_time(app, factory):
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation, code="P-1")
    other = factory.proposal(consultation, code="P-2")
    comment = Comment(proposal_id=proposal.id, consultation_id=consultation.id, user_id=factory.user().id, body="Hola")
    db.session.add(comment)
    db.session.commit()
    target_user = factory.user(email="futura.mod@example.co")
    admin = factory.user(role="admin")
    client = app.test_client()
    login(client, admin.email)
    start = utcnow() - timedelta(seconds=1)
    csv_file = b"code,title,scope,department_code,municipality,theme,proposer,summary,body\nI-1,Importada,national,,,,,,\n"

    actions = [
        ("comment.hide", "comment", comment.id, f"/moderation/comments/{comment.id}/hide", {"reason": "Insultos"}),
        ("comment.restore", "comment", comment.id, f"/moderation/comments/{comment.id}/restore", {"reason": "Revisado"}),
        ("proposal.status", "proposal", proposal.id, f"/moderation/proposals/{proposal.id}/status",
         {"status": "shortlisted", "reason": "Cumple"}),
        ("proposal.status", "proposal", other.id, "/moderation/consultations/plan/status",
         {"proposal_ids": str(other.id), "status": "shortlisted", "reason": "En bloque"}),
        ("proposal.update", "proposal", proposal.id, f"/moderation/proposals/{proposal.id}/edit",
         {"code": "P-1", "title": "Título nuevo", "scope": "national", "department_code": ""}),
        ("proposal.create", "proposal", None, "/moderation/consultations/plan/proposals/new",
         {"code": "P-3", "title": "Nueva propuesta", "scope": "national", "department_code": ""}),
        ("proposal.import", "consultation", consultation.id, "/moderation/consultations/plan/import",
         {"file": (io.BytesIO(csv_file), "p.csv")}),
        ("consultation.update", "consultation", consultation.id, "/moderation/consultations/plan/edit",
         {"title": "Consulta renombrada", "opens_at": "2020-01-01T08:00", "closes_at": "2030-01-01T08:00"}),
        ("consultation.create", "consultation", None, "/moderation/consultations/new",
         {"slug": "otra", "title": "Otra consulta", "opens_at": "2030-01-01T08:00", "closes_at": "2030-02-01T08:00"}),
        ("user.role", "user", target_user.id, "/moderation/roles",
         {"email": target_user.email, "role": "moderator", "reason": "Equipo"}),
        ("user.role", "user", target_user.id, f"/moderation/roles/{target_user.id}/revoke", {"reason": "Salió"}),
        ("export.download", "consultation", consultation.id, "/moderation/consultations/plan/export/votes.csv", None),
    ]

    for action, target_type, target_id, url, data in actions:
        before = set(db.session.scalars(select(AuditLogEntry.id)))
        if data is None:
            assert fetch(client, url)[0].status_code == 200, url
        else:
            multipart = {"content_type": "multipart/form-data"} if "file" in data else {}
            response = client.post(url, data=data, **multipart)
            assert response.status_code == 303, (url, response.get_data(as_text=True)[-1500:])
        db.session.rollback()
        new = [e for e in db.session.scalars(select(AuditLogEntry)) if e.id not in before]
        assert len(new) == 1, (url, [e.action for e in new])
        entry = new[0]
        assert entry.action == action, url
        assert entry.actor_id == admin.id and entry.actor_role == "admin", url
        assert entry.target_type == target_type, url
        assert entry.target_id is not None and (target_id is None or entry.target_id == target_id), url
        assert start <= entry.created_at <= utcnow() + timedelta(seconds=1), url

    db.session.refresh(proposal)
    assert proposal.title == "Título nuevo" and proposal.municipality is None  # the edit really happened
    log_page = client.get("/moderation/log").get_data(as_text=True)
    assert admin.name in log_page and "Insultos" in log_page


def test_a_failed_login_is_logged_with_address_and_account_never_the_password(app, factory, caplog):
    caplog.set_level(logging.DEBUG)
    victim = factory.user(email="victima@example.co")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    wrong = "contraseña equivocada 1234"
    assert client.post("/auth/login", data={"email": victim.email, "password": wrong}).status_code == 400
    assert client.post("/auth/login", data={"email": "nadie@example.co", "password": wrong}).status_code == 400

    failures = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert len(failures) == 2, [r.getMessage() for r in caplog.records]
    for record in failures:
        assert record.levelno >= logging.WARNING
        assert "198.51.100.77" in record.getMessage()
        assert record.created  # the time of the attempt
    assert f"user_id={victim.id}" in failures[0].getMessage()
    assert "user_id=unknown" in failures[1].getMessage()
    assert wrong not in caplog.text and PASSWORD not in caplog.text


def test_no_password_or_token_reaches_the_logs_on_any_path(app, factory, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "mi clave secreta de prueba 5521"
    client = app.test_client()
    client.post("/auth/register", data={"name": "Ana Log", "email": "ana.log@example.co", "password": secret,
                                        "password_confirm": secret, "department": "11", "accept_terms": "y"})
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "ana.log@example.co", "password": secret + "x"})
    client.post("/auth/login", data={"email": "ana.log@example.co", "password": secret, "remember": "y"})
    proposal = factory.proposal(factory.consultation())
    client.post(f"/proposals/{proposal.id}/vote")
    remember = client.get_cookie("remember_token").value
    session_cookie = client.get_cookie("session").value
    client.post("/auth/password/forgot", data={"email": "ana.log@example.co"})
    client.post("/auth/logout")
    user = db.session.scalar(select(User).where(User.email == "ana.log@example.co"))

    text = caplog.text
    for leaked in (secret, secret + "x", remember, session_cookie, user.password_hash, user.session_token):
        assert leaked not in text


def test_database_errors_do_not_log_tokens_hashes_or_emails(app, database_url, make_app, factory, request, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    data = {"name": "Persona Caída", "email": "caida@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
            "department": "11", "accept_terms": "y"}
    if database_url.startswith("sqlite"):
        impatient = make_app(database_url, SQLITE_BUSY_TIMEOUT_MS=50)
        holder = sqlite3.connect(make_url(database_url).database, isolation_level=None, timeout=5)
        holder.execute("BEGIN IMMEDIATE")
        try:
            response = impatient.test_client().post("/auth/register", data=data)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    else:
        kill = request.getfixturevalue("terminator")
        faulty = make_app(database_url)
        kill(faulty, lambda sql: sql.startswith("INSERT INTO users"))
        response = faulty.test_client().post("/auth/register", data=data)
    assert response.status_code == 503
    failures = [r for r in caplog.records if "database error" in r.getMessage()]
    assert failures, "the failure itself is logged"
    text = caplog.text
    assert "INSERT INTO users" in text  # what failed is there...
    assert "pbkdf2:" not in text and "caida@example.co" not in text and not TOKEN_RE.search(text)  # ...not its values


def test_a_session_token_lookup_that_fails_does_not_log_the_token(app, database_url, make_app, factory, request, caplog):  # noqa: F811
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates a PostgreSQL backend during the session lookup")
    caplog.set_level(logging.DEBUG)
    citizen = factory.user()
    faulty = make_app(database_url)
    client = faulty.test_client()
    assert client.post("/auth/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 302
    request.getfixturevalue("terminator")(faulty, lambda sql: "session_token" in sql and sql.startswith("SELECT"))
    assert client.get("/me").status_code == 503
    assert citizen.session_token not in caplog.text
