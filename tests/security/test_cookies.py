"""Case 15: cookie flags and lifetime, and no cookie outliving its logout.

The flags are read from real Set-Cookie headers of an app built with the production
configuration; replay is proven by copying a captured cookie into a fresh client.
"""
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie

import pytest
from itsdangerous import TimestampSigner

from aga_consulta import create_app
from aga_consulta.extensions import db
from tests.helpers import PASSWORD, TEST_SIGNER_KEY


def _set_cookies(response):
    """{name: (morsel, raw header)} of every Set-Cookie header of `response`."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            found[name] = (morsel, header)
    return found


@pytest.fixture
def production_app(app, database_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    production = create_app("production", overrides={
        "SECRET_KEY": "s" * 48, "SQLALCHEMY_DATABASE_URI": database_url, "TRANSPARENCY_SIGNER_KEY": TEST_SIGNER_KEY, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "10000 per minute",
        # Its own sequencer thread would integrate the suite's database behind the tests' backs.
        "TRANSPARENCY_AUTO_INTEGRATE": False,
    })
    yield production
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


def _production_login(production_app, email, remember=True):
    client = production_app.test_client()
    with production_app.app_context():
        page = client.get("/auth/login", base_url="https://localhost")
    token = _csrf(page.get_data(as_text=True))
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data, base_url="https://localhost",
                           headers={"Referer": "https://localhost/auth/login"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return client, response


def _csrf(html):
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_production_cookies_are_httponly_lax_secure_and_bounded(production_app, factory):
    user = factory.user()
    _client, response = _production_login(production_app, user.email)
    cookies = _set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        morsel, header = cookies[name]
        assert morsel["httponly"], header
        assert morsel["secure"], header
        assert morsel["samesite"] == "Lax", header
    # The remember-me cookie expires within the configured days, not Flask-Login's 365.
    expires = datetime.strptime(cookies["remember_token"][0]["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    remaining = expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(days=1) < remaining <= production_app.config["REMEMBER_COOKIE_DURATION"] + timedelta(minutes=1)
    assert production_app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=31)
    assert production_app.config["PERMANENT_SESSION_LIFETIME"] <= timedelta(days=1)
    # The cookie carries the rotating session token, never the user's id.
    assert cookies["remember_token"][0].value.split("|")[0] != str(user.id)
    assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=")


def test_the_session_cookie_is_refused_once_older_than_its_lifetime(app, factory, monkeypatch):
    user = factory.user()
    client = app.test_client()
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/me").status_code == 200
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    real = TimestampSigner.get_timestamp
    # The server's clock moves past the lifetime: the same cookie is now too old.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + int(lifetime) + 60)
    response = client.get("/me")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("cookie_names", [("session",), ("remember_token",), ("session", "remember_token")])
def test_cookies_captured_before_logout_are_refused_after_it(app, factory, cookie_names):
    user = factory.user()
    victim = app.test_client()
    assert victim.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}).status_code == 302
    captured = {name: victim.get_cookie(name).value for name in cookie_names}
    assert victim.get("/me").status_code == 200

    assert victim.post("/auth/logout").status_code == 302
    thief = app.test_client()
    for name, value in captured.items():
        thief.set_cookie(name, value)
    response = thief.get("/me")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert thief.post(f"/proposals/{factory.proposal(factory.consultation()).id}/vote").status_code == 302

    # Logging in again issues a new token: the captured cookies stay dead.
    assert app.test_client().post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert thief.get("/me").status_code == 302


def test_a_forged_or_tampered_session_cookie_is_ignored(app, factory):
    user = factory.user()
    client = app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    value = client.get_cookie("session").value
    forger = app.test_client()
    forger.set_cookie("session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert forger.get("/me").status_code == 302
    forger.set_cookie("remember_token", f"{user.id}|deadbeef")
    assert forger.get("/me").status_code == 302
