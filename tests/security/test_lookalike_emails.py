"""Issue 11, finding 4: look-alike spellings of one e-mail address are one account.

A fullwidth letter in the domain, an internationalised domain against its punycode, and a
local part in NFC against NFD: each pair is one mailbox, so it is one account, whichever
door the address comes in by (registration, login, password reset, the command line).
"""
import unicodedata
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from tests.helpers import PASSWORD, count, login
from tests.security.support import table_counts

#: (first spelling, look-alike spelling, the one stored form)
PAIRS = [
    pytest.param("ana@ｅxample.co", "ana@example.co", "ana@example.co", id="fullwidth-letter-in-domain"),
    pytest.param("ana@bücher.co", "ANA@XN--BCHER-KVA.CO", "ana@xn--bcher-kva.co", id="idn-domain-vs-punycode"),
    pytest.param(unicodedata.normalize("NFC", "josé@example.co"), unicodedata.normalize("NFD", "josé@example.co"),
                 unicodedata.normalize("NFC", "josé@example.co"), id="nfc-vs-nfd-local-part"),
]


def _register(client, email, name="Ana Pérez"):
    return client.post("/auth/register", data={
        "name": name, "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
        "department": "11", "accept_terms": "y"})


def _stored_emails():
    db.session.rollback()
    return list(db.session.scalars(select(User.email)))


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    """Mail goes to a fresh directory; returns a function listing the recipients so far."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    return lambda: [BytesParser(policy=policy.default).parsebytes(path.read_bytes())["To"]
                    for path in sorted(Path(tmp_path).glob("*.eml"))]


class TestLookAlikeEmailsAreOneAccount:
    @pytest.mark.parametrize("first, second, stored", PAIRS)
    def test_the_second_spelling_registers_as_the_existing_account_and_both_log_in(self, app, first, second, stored):
        assert _register(app.test_client(), first).status_code == 302
        assert _stored_emails() == [stored]

        before = table_counts()
        again = _register(app.test_client(), second, name="Otra Persona")
        assert again.status_code == 400
        assert "No se pudo crear la cuenta con ese correo" in again.get_data(as_text=True)
        assert table_counts() == before

        for spelling in (first, second):
            assert login(app.test_client(), spelling).status_code == 302, spelling

    @pytest.mark.parametrize("first, second, stored", PAIRS)
    def test_a_reset_asked_with_the_other_spelling_reaches_the_one_account(self, client, factory, outbox, first, second, stored):
        factory.user(email=first)
        response = client.post("/auth/password/forgot", data={"email": second})
        assert response.status_code == 303
        assert outbox() == [stored]

    @pytest.mark.parametrize("first, second, stored", PAIRS)
    def test_the_command_line_applies_the_same_rule(self, runner, first, second, stored):
        created = runner.invoke(args=["users", "create", "--email", first, "--name", "Mora Moderadora",
                                      "--role", "moderator", "--password-stdin"], input=PASSWORD + "\n")
        assert created.exit_code == 0, created.output
        assert _stored_emails() == [stored]

        twin = runner.invoke(args=["users", "create", "--email", second, "--name", "Otra Mora",
                                   "--password-stdin"], input=PASSWORD + "\n")
        assert twin.exit_code != 0 and "No se pudo crear la cuenta con ese correo" in twin.output
        assert count(User) == 1

        promoted = runner.invoke(args=["users", "set-role", second, "admin"])
        assert promoted.exit_code == 0, promoted.output
        db.session.expire_all()
        assert db.session.scalar(select(User.role)) == "admin"

    def test_the_command_line_refuses_what_is_not_an_address(self, runner):
        refused = runner.invoke(args=["users", "create", "--email", "mora@localhost", "--name", "Mora",
                                      "--password-stdin"], input=PASSWORD + "\n")
        assert refused.exit_code != 0 and "Escribe un correo electrónico válido" in refused.output
        assert count(User) == 0
