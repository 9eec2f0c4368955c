"""Case 19: the security headers on every response: every GET route of the URL map, each
error page (400, 403, 404, 405, 413, 429, 500, 503) and static files.
"""
import pytest
from werkzeug.routing import IntegerConverter

from aga_consulta import create_app
from aga_consulta.extensions import db
from tests.helpers import login
from tests.security.support import fetch


def assert_hardened(response, where):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    # same-origin everywhere; the pages behind a mailed link's token are stricter (no-referrer).
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    if response.mimetype == "text/html":
        assert "no-store" in response.headers.get("Cache-Control", ""), where


def test_every_get_route_for_every_kind_of_visitor(app, factory):
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation)
    citizen = app.test_client()
    login(citizen, factory.user().email)
    admin = app.test_client()
    login(admin, factory.user(role="admin").email)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {name: (proposal.id if isinstance(conv, IntegerConverter) else
                         ("css/site.css" if rule.endpoint == "static" else ("proposals" if name == "name" else "plan")))
                  for name, conv in rule._converters.items()}
        url = rule.build(values, append_unknown=False)[1]
        for client in (app.test_client(), citizen, admin):
            response, _body = fetch(client, url)
            assert_hardened(response, (rule.rule, response.status_code))


def test_error_pages(app, client, factory):
    proposal = factory.proposal(factory.consultation())
    citizen = app.test_client()
    login(citizen, factory.user().email)
    cases = [
        (400, client.get("/consultations/a%00b")),
        (403, citizen.get("/moderation/log")),
        (404, client.get("/no-existe")),
        (405, client.get(f"/proposals/{proposal.id}/vote")),
        (413, client.post("/auth/login", data={"password": "x" * (2 * 1024 * 1024)})),
    ]
    app.config["LOGIN_RATE_LIMIT"] = "1 per minute"
    try:
        client.post("/auth/login", data={"email": "a@b.co", "password": "x" * 12})
        cases.append((429, client.post("/auth/login", data={"email": "a@b.co", "password": "x" * 12})))
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    for status, response in cases:
        assert response.status_code == status
        assert '<html lang="es-CO">' in response.get_data(as_text=True)
        assert_hardened(response, status)


def test_500_and_503_pages(database_url, tmp_path):
    broken = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url})

    @broken.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    broken.config["PROPAGATE_EXCEPTIONS"] = False
    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    assert "Error interno" in response.get_data(as_text=True) and "a bug" not in response.get_data(as_text=True)
    assert_hardened(response, 500)
    with broken.app_context():
        db.engine.dispose()

    dead = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = dead.test_client().get("/")
    assert response.status_code == 503
    assert_hardened(response, 503)
