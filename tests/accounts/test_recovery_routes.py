"""Password reset through the HTML forms, end to end through the file outbox."""
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from werkzeug.security import check_password_hash

from aga_consulta.accounts import recovery
from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from tests.helpers import PASSWORD, csrf_token, login

NEW_PASSWORD = "mi nueva frase de acceso secreta"
ATTEMPT = "una frase que nunca debe quedar guardada"
NEUTRAL = "Si hay una cuenta activa con ese correo, te enviamos un enlace"


def path_of(link):
    return urlsplit(link).path


def reset_path(token):
    return f"/auth/password/reset/{token}"


def snapshot(email):
    db.session.expire_all()
    user = db.session.query(User).filter_by(email=email).one()
    return user.password_hash, user.session_token


def test_login_page_links_to_the_reset(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/password/forgot"' in html and "¿Olvidaste tu contraseña?" in html


def test_whole_reset_flow_through_the_outbox(app, factory, outbox, caplog):
    factory.user(email="ana@example.co", name="Ana Pérez")
    other_device = app.test_client()
    assert login(other_device, "ana@example.co").status_code == 302
    assert other_device.get("/me").status_code == 200

    client = app.test_client()
    assert client.get("/auth/password/forgot").status_code == 200
    with caplog.at_level(logging.INFO, logger="aga_consulta"):
        response = client.post("/auth/password/forgot", data={"email": "Ana@Example.co"})
        assert response.status_code == 303 and response.headers["Location"].endswith("/auth/login")
        assert NEUTRAL in client.get("/auth/login").get_data(as_text=True)

        message = outbox.only()
        assert message["To"] == "ana@example.co"
        link = outbox.link(message)
        assert link.startswith("http://localhost/auth/password/reset/")
        page = client.get(path_of(link))
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        # The token must not leave as the Referer of the page's stylesheet request.
        assert page.headers["Referrer-Policy"] == "no-referrer"
        html = page.get_data(as_text=True)
        assert 'name="password"' in html and 'name="password_confirm"' in html

        done = client.post(path_of(link), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert done.status_code == 303 and done.headers["Location"].endswith("/auth/login")
        assert "Tu contraseña cambió" in client.get("/auth/login").get_data(as_text=True)

    # The session opened before the reset is refused: its token was rotated.
    assert other_device.get("/me").status_code == 302
    assert login(client, "ana@example.co", PASSWORD).status_code == 400
    assert login(client, "ana@example.co", NEW_PASSWORD).status_code == 302
    assert client.get("/me").status_code == 200

    # The link is dead now.
    again = app.test_client().get(path_of(link))
    assert again.status_code == 400 and "ya se usó" in again.get_data(as_text=True)

    token = path_of(link).rsplit("/", 1)[1]
    assert "password reset mail sent" in caplog.text and "password reset ok" in caplog.text
    assert token not in caplog.text and NEW_PASSWORD not in caplog.text


def test_unknown_and_known_emails_get_the_identical_answer(app, factory, outbox):
    factory.user(email="ana@example.co")
    answers = []
    for email in ("ana@example.co", "nadie@example.co"):
        client = app.test_client()
        response = client.post("/auth/password/forgot", data={"email": email})
        followed = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], response.get_data(),
                        followed.status_code, followed.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert NEUTRAL in answers[0][4]
    assert [m["To"] for m in outbox.messages()] == ["ana@example.co"]


def test_deactivated_account_gets_the_same_answer_and_no_mail(client, factory, outbox):
    user = factory.user(email="ana@example.co")
    user.active = False
    db.session.commit()
    response = client.post("/auth/password/forgot", data={"email": "ana@example.co"}, follow_redirects=True)
    assert response.status_code == 200 and NEUTRAL in response.get_data(as_text=True)
    assert outbox.messages() == []


@pytest.mark.parametrize("email, message", [
    ("", "Escribe tu correo electrónico."),
    ("no-es-correo", "correo electrónico válido"),
])
def test_malformed_email_is_a_form_error_and_sends_nothing(client, outbox, email, message):
    response = client.post("/auth/password/forgot", data={"email": email})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-describedby="email-hint email-error"' in html and 'aria-invalid="true"' in html
    assert outbox.messages() == []


def test_forgot_requests_are_rate_limited(client, factory, outbox, config):
    factory.user(email="ana@example.co")
    config(RESET_RATE_LIMIT="3 per minute")
    statuses = [client.post("/auth/password/forgot", data={"email": f"x{n}@example.co"}).status_code
                for n in range(3)]
    refused = client.post("/auth/password/forgot", data={"email": "ana@example.co"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert statuses == [303, 303, 303]
    assert refused.status_code == 429 and "Demasiadas solicitudes" in refused.get_data(as_text=True)
    assert outbox.messages() == []


@pytest.mark.parametrize("password, confirm, message", [
    ("corta", "corta", "al menos 12"),
    ("contraseña123", "contraseña123", "demasiado común"),
    (NEW_PASSWORD, "otra cosa distinta del todo", "no coinciden"),
    ("x" * 129, "x" * 129, "como máximo 128"),
    ("", "", "Escribe una contraseña."),
])
def test_bad_new_passwords_are_refused_with_the_message(client, factory, password, confirm, message):
    user = factory.user(email="ana@example.co")
    token = recovery.make_reset_token(user)
    before = snapshot("ana@example.co")
    response = client.post(reset_path(token), data={"password": password, "password_confirm": confirm})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert snapshot("ana@example.co") == before
    # The link still works for a good password.
    ok = client.post(reset_path(token), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert ok.status_code == 303


def _refused(client, token, phrase):
    before = snapshot("ana@example.co")
    for response in (
        client.get(reset_path(token)),
        client.post(reset_path(token), data={"password": ATTEMPT, "password_confirm": ATTEMPT}),
    ):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert phrase in html
        assert 'href="/auth/password/forgot"' in html and "Pedir un nuevo enlace" in html
        assert "No se cambió nada" in html
    assert snapshot("ana@example.co") == before
    assert not check_password_hash(before[0], ATTEMPT)


def test_expired_link_is_refused_and_changes_nothing(client, factory):
    user = factory.user(email="ana@example.co")
    _refused(client, recovery.make_reset_token(user, now=utcnow() - timedelta(hours=2)), "El enlace venció")


def test_tampered_link_is_refused_and_changes_nothing(client, factory):
    user = factory.user(email="ana@example.co")
    token = recovery.make_reset_token(user)
    payload, timestamp, signature = token.split(".")
    _refused(client, f"{payload}.{timestamp}.{signature[::-1]}", "no es válido")
    _refused(client, "a" * 700, "no es válido")


def test_reused_link_is_refused(client, factory):
    user = factory.user(email="ana@example.co")
    token = recovery.make_reset_token(user)
    assert client.post(reset_path(token), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 303
    _refused(client, token, "ya se usó")


def test_link_dies_after_a_password_change(client, factory):
    user = factory.user(email="ana@example.co")
    old_link = recovery.make_reset_token(user)
    recovery.reset_password(recovery.make_reset_token(user), "una contraseña cambiada antes")
    _refused(client, old_link, "ya se usó")


def test_reset_ends_the_session_of_the_browser_that_uses_it(client, factory):
    user = factory.user(email="ana@example.co")
    login(client, "ana@example.co")
    token = recovery.make_reset_token(user)
    assert client.post(reset_path(token), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 303
    assert client.get("/me").status_code == 302


def test_links_use_the_public_address_not_the_request_host(client, factory, outbox, config):
    factory.user(email="ana@example.co")
    config(PUBLIC_BASE_URL="https://consulta.example.gov.co")
    client.post("/auth/password/forgot", data={"email": "ana@example.co"}, headers={"Host": "evil.example"})
    assert outbox.link(outbox.only()).startswith("https://consulta.example.gov.co/auth/password/reset/")


def test_production_without_a_public_address_sends_no_link(client, factory, outbox, config, caplog):
    factory.user(email="ana@example.co")
    config(IS_PRODUCTION=True, PUBLIC_BASE_URL="")
    with caplog.at_level(logging.ERROR, logger="aga_consulta"):
        response = client.post("/auth/password/forgot", data={"email": "ana@example.co"},
                               headers={"Host": "evil.example"}, follow_redirects=True)
    assert NEUTRAL in response.get_data(as_text=True)
    assert outbox.messages() == []
    assert "PUBLIC_BASE_URL" in caplog.text


def test_unreachable_smtp_gives_the_same_answer(client, factory, outbox, config):
    factory.user(email="ana@example.co")
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    response = client.post("/auth/password/forgot", data={"email": "ana@example.co"}, follow_redirects=True)
    assert response.status_code == 200 and NEUTRAL in response.get_data(as_text=True)


def test_pages_and_mail_in_english(client, factory, outbox):
    factory.user(email="ana@example.co", name="Ana")
    english = {"Accept-Language": "en"}
    page = client.get("/auth/password/forgot", headers=english).get_data(as_text=True)
    assert "Recover your password" in page and "Recuperar la contraseña" not in page
    client.post("/auth/password/forgot", data={"email": "ana@example.co"}, headers=english)
    message = outbox.only()
    assert message["Subject"] == "Change your password"
    body = outbox.text(message)
    assert "Hello Ana," in body and "expires in 1 hour" in body
    link_page = client.get(path_of(outbox.link(message)), headers=english).get_data(as_text=True)
    assert "Choose a new password" in link_page


def test_recovery_pages_have_no_inline_script_or_style(client, factory):
    user = factory.user()
    for url in ("/auth/password/forgot", reset_path(recovery.make_reset_token(user)), reset_path("nope")):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "onclick=" not in html


class TestCsrfEnforced:
    """With CSRF on, the recovery forms refuse a POST without the form's token."""

    def test_forgot_without_token_is_400_and_sends_nothing(self, csrf_app, factory, outbox):
        factory.user(email="ana@example.co")
        client = csrf_app.test_client()
        for data in ({"email": "ana@example.co"}, {"email": "ana@example.co", "csrf_token": "forged"}):
            assert client.post("/auth/password/forgot", data=data).status_code == 400
        assert outbox.messages() == []
        token = csrf_token(client, "/auth/password/forgot")
        assert client.post("/auth/password/forgot", data={"email": "ana@example.co", "csrf_token": token}).status_code == 303
        assert len(outbox.messages()) == 1

    def test_reset_without_token_changes_nothing(self, csrf_app, factory):
        user = factory.user(email="ana@example.co")
        client = csrf_app.test_client()
        path = reset_path(recovery.make_reset_token(user))
        before = snapshot("ana@example.co")
        response = client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert response.status_code == 400
        assert snapshot("ana@example.co") == before
        token = csrf_token(client, path)
        done = client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "csrf_token": token})
        assert done.status_code == 303
        assert snapshot("ana@example.co") != before


def test_get_never_changes_anything(client, factory):
    user = factory.user(email="ana@example.co")
    before = snapshot("ana@example.co")
    path = reset_path(recovery.make_reset_token(user))
    for _ in range(2):
        assert client.get(path).status_code == 200
    assert snapshot("ana@example.co") == before
    assert re.search(r'<form method="post" action="%s"' % re.escape(path), client.get(path).get_data(as_text=True))
