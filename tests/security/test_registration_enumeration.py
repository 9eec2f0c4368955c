"""Issue 11, finding 3: registration does not reveal whether an address has an account.

The probe got 400 for an existing e-mail and 302 for a new one. With confirmation on (the
production default), both get the same answer: 302 to the login page, no session, the
same message; the mail tells the new person how to confirm and the existing owner that
someone tried to register with the address.

With confirmation off, a new account is logged in at once, which no answer for a taken
address can imitate: the refusal stays the neutral 400 of
test_auth.py::TestAccountEnumeration, and the README says so.
"""
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from tests.helpers import count
from tests.security.support import table_counts

ATTEMPT_PASSWORD = "la frase que escribió quien intentó registrarse"


def _form(email, name="Persona Nueva"):
    return {"name": name, "email": email, "password": ATTEMPT_PASSWORD, "password_confirm": ATTEMPT_PASSWORD,
            "department": "11", "accept_terms": "y"}


@pytest.fixture
def confirmation_on(app, monkeypatch):
    """E-mail confirmation on (the production default) for this test."""
    monkeypatch.setitem(app.config, "EMAIL_CONFIRMATION_REQUIRED", True)
    return lambda key, value: monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    """Mail goes to a fresh directory; returns a function reading the messages so far."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    return lambda: [BytesParser(policy=policy.default).parsebytes(path.read_bytes())
                    for path in sorted(Path(tmp_path).glob("*.eml"))]


def _answer(app, email):
    """Register `email` from a fresh client; return what the client can observe."""
    client = app.test_client()
    response = client.post("/auth/register", data=_form(email))
    page = client.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 302 else ""
    page = re.sub(r'name="csrf_token"[^>]*>', "", page).replace(email, "EMAIL")
    return {
        "status": response.status_code,
        "location": response.headers.get("Location"),
        "page": page,
        "logged_in": client.get("/me").status_code == 200,
    }


def _body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


class TestRegistrationDoesNotRevealAccounts:
    def test_an_existing_address_gets_the_same_answer_as_a_new_one_and_nothing_is_stored(
            self, app, factory, confirmation_on, outbox):
        owner = factory.user(email="existe@example.co", name="Dueña Original")
        before = table_counts()
        existing = _answer(app, "existe@example.co")
        assert table_counts() == before
        new = _answer(app, "nueva@example.co")

        assert existing == new
        assert existing["status"] == 302 and existing["location"] == "/auth/login"
        assert "Te enviamos un correo a EMAIL con el siguiente paso" in existing["page"]
        assert not existing["logged_in"]
        assert count(User) == 2
        db.session.rollback()
        assert db.session.get(User, owner.id).name == "Dueña Original"

    def test_the_owner_is_told_someone_tried_and_the_newcomer_gets_a_confirmation(
            self, app, factory, confirmation_on, outbox):
        factory.user(email="existe@example.co", name="Dueña Original")
        _answer(app, "EXISTE@example.co")
        _answer(app, "nueva@example.co")
        notice, confirmation = outbox()
        assert notice["To"] == "existe@example.co"
        assert notice["Subject"] == "Intento de registro con tu correo"
        body = _body(notice)
        assert "Hola, Dueña Original:" in body and "Alguien intentó crear una cuenta" in body
        assert "http://localhost/auth/login" in body and "http://localhost/auth/password/forgot" in body
        # Nothing the person at the form typed reaches the owner's mailbox.
        assert ATTEMPT_PASSWORD not in body and "Persona Nueva" not in body
        assert confirmation["To"] == "nueva@example.co"
        assert confirmation["Subject"] == "Confirma tu correo electrónico"

    def test_a_deactivated_account_gets_the_same_answer_and_no_mail(self, app, factory, confirmation_on, outbox):
        closed = factory.user(email="cerrada@example.co")
        closed.active = False
        db.session.commit()
        assert _answer(app, "cerrada@example.co") == _answer(app, "otra-nueva@example.co")
        assert [m["To"] for m in outbox()] == ["otra-nueva@example.co"]

    def test_repeated_attempts_keep_the_answer_and_stop_mailing_the_owner(self, app, factory, confirmation_on, outbox):
        confirmation_on("REGISTER_EMAIL_RATE_LIMIT", "2 per day")
        factory.user(email="existe@example.co")
        answers = [_answer(app, "existe@example.co") for _ in range(4)]
        assert all(answer == answers[0] for answer in answers) and answers[0]["status"] == 302
        assert len(outbox()) == 2
