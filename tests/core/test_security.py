"""CSRF, security headers, error pages, request size, production settings."""
import pytest

from aga_consulta import create_app
from aga_consulta.accounts.models import User
from aga_consulta.voting.models import Vote
from tests.helpers import PASSWORD, TEST_SIGNER_KEY, count, csrf_token, login


class TestCsrfEnforced:
    """With CSRF on (as in production), every POST needs the form's token."""

    def test_register_without_token_is_400_and_stores_nothing(self, csrf_app):
        client = csrf_app.test_client()
        data = {"name": "Ana", "email": "ana@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
                "department": "76", "accept_terms": "y"}
        response = client.post("/auth/register", data=data)
        assert response.status_code == 400
        assert count(User) == 0
        bad = client.post("/auth/register", data=dict(data, csrf_token="forged"))
        assert bad.status_code == 400
        assert count(User) == 0

    def test_vote_without_token_is_400_and_with_token_succeeds(self, csrf_app, factory):
        factory.user(email="ana@example.co")
        proposal = factory.proposal(factory.consultation())
        client = csrf_app.test_client()
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD, "csrf_token": token})
        response = client.post(f"/proposals/{proposal.id}/vote")
        assert response.status_code == 400
        assert "El formulario caducó" in response.get_data(as_text=True)
        assert count(Vote) == 0
        token = csrf_token(client, f"/proposals/{proposal.id}")
        assert client.post(f"/proposals/{proposal.id}/vote", data={"csrf_token": token}).status_code == 303
        assert count(Vote) == 1

    def test_logout_without_token_keeps_the_session(self, csrf_app, factory):
        factory.user(email="ana@example.co")
        client = csrf_app.test_client()
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD, "csrf_token": token})
        assert client.post("/auth/logout").status_code == 400
        assert client.get("/me").status_code == 200


@pytest.mark.parametrize("url", ["/", "/auth/login", "/no-existe", "/healthz"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(client, factory):
    proposal = factory.proposal(factory.consultation(slug="plan"))
    for url in ("/", "/consultations/plan", f"/proposals/{proposal.id}", "/auth/register", "/auth/login"):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html and "onclick=" not in html and "style=" not in html


def test_oversized_body_is_413_in_spanish(client):
    response = client.post("/auth/login", data={"email": "a@b.co", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "demasiado grande" in response.get_data(as_text=True)


@pytest.mark.parametrize("status, url, method", [(404, "/nope", "get"), (405, "/auth/logout", "get")])
def test_error_pages_are_spanish(client, status, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert '<html lang="es-CO">' in response.get_data(as_text=True)


def test_malformed_input_is_never_500(client, factory):
    factory.user(email="ana@example.co")
    for data in ({"email": "a\x00@b.co", "password": "x"}, {"email": "ñ" * 300, "password": "y"}):
        assert client.post("/auth/login", data=data).status_code == 400
    raw = client.post("/auth/login", data=b"email=%ff%fe&password=%c3%28", content_type="application/x-www-form-urlencoded")
    assert raw.status_code == 400
    assert client.get("/proposals/0").status_code == 404


def test_login_brute_force_gets_429(app, client, factory):
    factory.user(email="ana@example.co")
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    try:
        statuses = [login(client, "ana@example.co", "contraseña equivocada").status_code for _ in range(8)]
        spoofed = client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD},
                              headers={"X-Forwarded-For": "203.0.113.9"})
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    assert statuses[:5] == [400] * 5 and statuses[5:] == [429] * 3
    assert spoofed.status_code == 429
    assert "Demasiadas solicitudes" in spoofed.get_data(as_text=True)
    # When to come back: the limit's window (a minute), with no storage call on normal requests.
    assert spoofed.headers["Retry-After"] == "60"
    assert not any(name.startswith("X-RateLimit") for name in spoofed.headers.keys())


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", overrides={"SECRET_KEY": "dev-insecure-change-me"})


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    app = create_app("production", overrides={"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
                                              "TRANSPARENCY_SIGNER_KEY": TEST_SIGNER_KEY})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_nul_bytes_anywhere_are_400(client):
    assert client.get("/consultations/a%00b").status_code == 400
    assert client.get("/consultations/x?scope=%00").status_code == 400
    assert client.post("/auth/register", data={"name": "a\x00b"}).status_code == 400
