"""E-mail confirmation at registration (EMAIL_CONFIRMATION_REQUIRED) through the HTML forms."""
import logging
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from aga_consulta.accounts import recovery
from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.models import Vote
from tests.helpers import JSON, assert_refused, PASSWORD, count, csrf_token, login

FORM = {
    "name": "Ana Pérez",
    "email": "ana@example.co",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "department": "76",
    "accept_terms": "y",
}
BANNER = "Confirma tu correo electrónico para poder votar y comentar."


def confirmed_at(email="ana@example.co"):
    db.session.expire_all()
    return db.session.query(User).filter_by(email=email).one().email_confirmed_at


@pytest.fixture
def required(config):
    config(EMAIL_CONFIRMATION_REQUIRED=True)


def test_off_by_default_registration_sends_nothing_and_voting_works(client, factory, outbox):
    proposal = factory.proposal(factory.consultation())
    response = client.post("/auth/register", data=FORM, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Ya puedes votar y comentar" in html and BANNER not in html
    assert outbox.messages() == []
    assert client.post(f"/proposals/{proposal.id}/vote").status_code == 303
    assert count(Vote) == 1


def test_on_registration_mails_a_link_and_participation_waits_for_it(client, factory, outbox, required):
    proposal = factory.proposal(factory.consultation())
    response = client.post("/auth/register", data=FORM)
    # Nobody is logged in yet (an address with an account gets this same answer).
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    html = client.get("/auth/login").get_data(as_text=True)
    assert "Te enviamos un correo a ana@example.co con el siguiente paso" in html
    assert client.get("/me").status_code == 302
    message = outbox.only()
    assert message["To"] == "ana@example.co" and message["Subject"] == "Confirma tu correo electrónico"

    # Logging in before confirming works; taking part waits for the link.
    html = client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD},
                       follow_redirects=True).get_data(as_text=True)
    assert BANNER in html and 'href="/auth/email/confirm"' in html

    vote = client.post(f"/proposals/{proposal.id}/vote")
    assert_refused(client, vote, f"/proposals/{proposal.id}", "Confirma tu correo electrónico para votar y comentar")
    assert client.post(f"/proposals/{proposal.id}/vote", headers=JSON).status_code == 403
    comment = client.post(f"/proposals/{proposal.id}/comments", data={"body": "Mi opinión"}, headers=JSON)
    assert comment.status_code == 403
    assert count(Vote) == 0 and count(Comment) == 0

    path = urlsplit(outbox.link(message)).path
    page = client.get(path)
    assert page.status_code == 200 and "Confirmar mi correo" in page.get_data(as_text=True)
    assert confirmed_at() is None, "a GET (a mail scanner following the link) must not confirm"
    done = client.post(path, follow_redirects=True)
    assert "Confirmaste tu correo" in done.get_data(as_text=True)
    assert confirmed_at() is not None
    assert BANNER not in client.get("/").get_data(as_text=True)

    assert client.post(f"/proposals/{proposal.id}/vote").status_code == 303
    assert count(Vote) == 1


def test_a_failed_confirmation_mail_is_logged_and_a_new_link_can_be_asked_for(client, outbox, required, config, caplog):
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    with caplog.at_level(logging.ERROR, logger="aga_consulta"):
        response = client.post("/auth/register", data=FORM)
    # The same answer as when the mail goes out: it must not depend on whether the address
    # had an account, so it cannot depend on the mail either.
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "confirmation mail failed" in caplog.text
    assert confirmed_at() is None
    config(MAIL_BACKEND="file")
    login(client, "ana@example.co")
    client.post("/auth/email/confirm/resend")
    assert outbox.only()["Subject"] == "Confirma tu correo electrónico"


def test_the_link_works_without_being_logged_in(app, factory, outbox, required):
    user = factory.user(email="ana@example.co")
    path = f"/auth/email/confirm/{recovery.make_confirmation_token(user)}"
    response = app.test_client().post(path)
    assert response.status_code == 303
    assert confirmed_at() is not None


def test_resend_mails_a_new_link(client, factory, outbox, required):
    factory.user(email="ana@example.co")
    login(client, "ana@example.co")
    status = client.get("/auth/email/confirm").get_data(as_text=True)
    assert "aún no está confirmado" in status and "Hasta que lo confirmes" in status
    response = client.post("/auth/email/confirm/resend", follow_redirects=True)
    assert "Te enviamos un nuevo enlace de confirmación a ana@example.co" in response.get_data(as_text=True)
    client.post(urlsplit(outbox.link(outbox.only())).path)
    assert confirmed_at() is not None
    # Once confirmed, asking again sends nothing.
    response = client.post("/auth/email/confirm/resend", follow_redirects=True)
    assert "ya está confirmado" in response.get_data(as_text=True)
    assert len(outbox.messages()) == 1


def test_resend_is_rate_limited_per_citizen(client, factory, outbox, required, config):
    factory.user(email="ana@example.co")
    login(client, "ana@example.co")
    config(CONFIRM_RESEND_RATE_LIMIT="2 per hour")
    statuses = [client.post("/auth/email/confirm/resend").status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert len(outbox.messages()) == 2


def test_resend_needs_a_login(client):
    response = client.post("/auth/email/confirm/resend")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/auth/email/confirm").status_code == 302


@pytest.mark.parametrize("make, phrase", [
    (lambda user: recovery.make_confirmation_token(user, now=utcnow() - timedelta(days=4)), "El enlace venció"),
    (lambda user: recovery.make_confirmation_token(user)[:-4] + "zzzz", "no es válido"),
    (lambda user: recovery.make_reset_token(user), "no es válido"),
])
def test_bad_confirmation_links_are_refused(client, factory, required, make, phrase):
    user = factory.user(email="ana@example.co")
    path = f"/auth/email/confirm/{make(user)}"
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert phrase in html and 'href="/auth/email/confirm"' in html
    assert confirmed_at() is None


def test_a_password_reset_also_confirms(client, factory, required):
    user = factory.user(email="ana@example.co")
    token = recovery.make_reset_token(user)
    new = "nueva frase para confirmar de paso"
    client.post(f"/auth/password/reset/{token}", data={"password": new, "password_confirm": new})
    assert confirmed_at() is not None


class TestCsrfEnforced:
    def test_confirm_and_resend_need_the_token(self, csrf_app, factory, outbox, config):
        config(EMAIL_CONFIRMATION_REQUIRED=True)
        user = factory.user(email="ana@example.co")
        client = csrf_app.test_client()
        path = f"/auth/email/confirm/{recovery.make_confirmation_token(user)}"
        assert client.post(path).status_code == 400
        assert confirmed_at() is None
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD, "csrf_token": token})
        assert client.post("/auth/email/confirm/resend").status_code == 400
        assert outbox.messages() == []
        assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 303
        assert confirmed_at() is not None
