"""Case 10: every POST without, with a forged or with another session's CSRF token is 400 and
changes nothing; no GET changes anything.

Both walks cover the whole URL map, so a route added later is covered the day it is added.
"""
import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from tests.helpers import PASSWORD, csrf_token
from tests.security.support import fetch, table_counts

SKIPPED = {"HEAD", "OPTIONS"}


@pytest.fixture
def world(factory):
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation)
    author = factory.user()
    comment = Comment(proposal_id=proposal.id, consultation_id=consultation.id, user_id=author.id, body="Comentario")
    db.session.add(comment)
    db.session.commit()
    admin = factory.user(role="admin", email="admin@example.co")
    ids = {"proposal_id": proposal.id, "comment_id": comment.id, "user_id": factory.user(role="moderator").id}
    return {"admin": admin, "ids": ids}


def _url(rule, ids):
    values = {}
    for name, converter in rule._converters.items():
        values[name] = ids.get(name, 1) if isinstance(converter, IntegerConverter) else (
            "proposals" if name == "name" else "plan")
    return rule.build(values, append_unknown=False)[1]


def _login_with_token(client, email):
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return token


def state_digest():
    """Every row of every table: compared before and after to prove that nothing changed."""
    db.session.rollback()
    digest = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        digest[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
    db.session.rollback()
    return digest


def test_every_post_route_refuses_missing_forged_and_foreign_tokens(csrf_app, factory, world):
    stranger = csrf_app.test_client()
    foreign_token = csrf_token(stranger, "/auth/login")
    client = csrf_app.test_client()
    _login_with_token(client, world["admin"].email)
    data = {"reason": "Motivo suficiente", "status": "shortlisted", "body": "Comentario nuevo",
            "email": "admin@example.co", "role": "moderator", "lang": "en", "name": "Ana", "password": PASSWORD,
            "title": "Título", "slug": "nueva", "code": "N-1", "scope": "national",
            "proposal_ids": str(world["ids"]["proposal_id"])}
    rules = [r for r in csrf_app.url_map.iter_rules() if "POST" in r.methods]
    assert len(rules) >= 15
    before = state_digest()

    for rule in rules:
        url = _url(rule, world["ids"])
        for token in (None, "forged", foreign_token, foreign_token[:-2] + "xx"):
            payload = dict(data) if token is None else dict(data, csrf_token=token)
            response = client.post(url, data=payload)
            assert response.status_code == 400, (rule.rule, token, response.status_code)
            assert "El formulario caducó" in response.get_data(as_text=True)

    assert state_digest() == before
    assert client.get("/me").status_code == 200  # the logout without a token did not log out


def test_with_the_right_token_the_same_post_works(csrf_app, factory, world):
    client = csrf_app.test_client()
    _login_with_token(client, world["admin"].email)
    proposal_id = world["ids"]["proposal_id"]
    before = table_counts()
    token = csrf_token(client, f"/proposals/{proposal_id}")
    assert client.post(f"/proposals/{proposal_id}/vote", data={"csrf_token": token}).status_code == 303
    assert table_counts()["votes"] == before["votes"] + 1


def test_no_get_changes_anything(app, factory, world):
    from tests.helpers import login

    visitors = {"anonymous": app.test_client(), "citizen": app.test_client(), "admin": app.test_client()}
    login(visitors["citizen"], factory.user().email)
    login(visitors["admin"], world["admin"].email)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    before = state_digest()

    for rule in rules:
        url = _url(rule, world["ids"])
        for who, client in visitors.items():
            response, _body = fetch(client, url + "?reason=x&status=selected&role=admin")
            assert response.status_code < 500, (rule.rule, who, response.status_code)

    after = state_digest()
    if any("/export/" in r.rule for r in rules):
        # Downloading an export is audited (case 21): an entry appended, nothing else changed.
        before.pop("audit_log"), after.pop("audit_log")
    assert after == before
