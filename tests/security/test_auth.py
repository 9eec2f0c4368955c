"""Cases 12, 13 and 14: login brute force, account enumeration, the password policy."""
import re
import uuid

import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from config import get_config
from tests.helpers import PASSWORD, count, login
from tests.security.support import table_counts


@pytest.fixture
def real_login_limit(app):
    """The production login limit (its default in config.py), not the testing one, for this test."""
    limit = get_config("production", environ={}).LOGIN_RATE_LIMIT
    app.config["LOGIN_RATE_LIMIT"] = limit
    yield limit
    app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"


class TestLoginBruteForce:
    def test_30_wrong_passwords_get_429_and_spoofed_forwarded_for_does_not_reset(self, app, factory, real_login_limit):
        assert app.config["PROXY_FIX_X_FOR"] == 0
        victim = factory.user(email="victima@example.co")
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = "198.51.100.20"

        statuses = [attacker.post("/auth/login", data={"email": victim.email, "password": f"intento {n}"}).status_code
                    for n in range(30)]
        allowed = int(re.match(r"\d+", real_login_limit).group(0))
        assert statuses[:allowed] == [400] * allowed
        assert statuses[allowed:] == [429] * (30 - allowed)

        for n in range(5):
            spoofed = attacker.post("/auth/login", data={"email": victim.email, "password": PASSWORD},
                                    headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"203.0.113.{n}",
                                             "Forwarded": f"for=203.0.113.{n}"})
            assert spoofed.status_code == 429
            assert "Demasiadas solicitudes" in spoofed.get_data(as_text=True)
            assert "Retry-After" in spoofed.headers
        # Even the right password is refused while limited: the session was never opened.
        assert attacker.get("/me").status_code == 302

        # The limit is per client, not global: the victim, elsewhere, still logs in.
        victim_client = app.test_client()
        victim_client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
        assert login(victim_client, victim.email).status_code == 302

    def test_spraying_many_accounts_from_one_address_is_limited_too(self, app, factory, real_login_limit):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = "198.51.100.21"
        statuses = [attacker.post("/auth/login", data={"email": f"p{n}@example.co", "password": "x" * 12}).status_code
                    for n in range(11)]
        assert statuses[-1] == 429 and 302 not in statuses


def _normalised(html):
    # The CSRF token and the echoed e-mail differ by design; nothing else may.
    html = re.sub(r'name="csrf_token"[^>]*>', "", html)
    return re.sub(r'value="[^"]*@example\.co"', "", html)


class TestAccountEnumeration:
    def test_login_says_the_same_for_a_missing_account_a_wrong_password_and_a_deactivated_one(self, client, factory):
        factory.user(email="existe@example.co")
        inactive = factory.user(email="inactiva@example.co")
        inactive.active = False
        db.session.commit()
        answers = [client.post("/auth/login", data={"email": email, "password": password})
                   for email, password in (("existe@example.co", "contraseña equivocada"),
                                           ("no-existe@example.co", "contraseña equivocada"),
                                           ("inactiva@example.co", PASSWORD))]
        assert {a.status_code for a in answers} == {400}
        pages = {_normalised(a.get_data(as_text=True)) for a in answers}
        assert len(pages) == 1
        assert "Correo o contraseña incorrectos." in pages.pop()

    def test_registration_with_a_taken_email_does_not_confirm_the_account(self, client, factory):
        factory.user(email="existe@example.co")
        before = table_counts()
        response = client.post("/auth/register", data={
            "name": "Otra Persona", "email": "EXISTE@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
            "department": "11", "accept_terms": "y"})
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        # The same neutral wording whoever owns the address; no "already registered".
        assert "No se pudo crear la cuenta con ese correo" in html
        assert "ya existe" not in html.lower() and "ya está registrado" not in html.lower()
        assert table_counts() == before

    def test_password_reset_answers_the_same_for_known_and_unknown_emails(self, app, client, factory):
        url = "/auth/password/forgot"
        factory.user(email="existe@example.co")
        answers = []
        for email in ("existe@example.co", "no-existe@example.co"):
            response = client.post(url, data={"email": email})
            follow = client.get(response.headers["Location"]) if response.status_code in (302, 303) else response
            answers.append((response.status_code, response.headers.get("Location"), _normalised(follow.get_data(as_text=True))))
        assert answers[0] == answers[1]


class TestPasswordPolicy:
    def _register(self, client, password, email=None):
        email = email or f"p-{uuid.uuid4().hex[:8]}@example.co"
        response = client.post("/auth/register", data={
            "name": "Persona Prueba", "email": email, "password": password, "password_confirm": password,
            "department": "11", "accept_terms": "y"})
        return response, email

    @pytest.mark.parametrize("password, message", [
        ("corta123", "al menos 12 caracteres"),
        ("a" * 11, "al menos 12 caracteres"),
        ("123456789012", "demasiado común"),
        ("contraseña123", "demasiado común"),
        ("aaaaaaaaaaaaaaaa", "demasiado común"),
        ("x" * 129, "como máximo"),
    ])
    def test_weak_passwords_are_refused_and_nothing_stored(self, client, password, message):
        response, _email = self._register(client, password)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert count(User) == 0

    def test_12_and_64_characters_are_accepted_and_long_ones_are_not_truncated(self, app):
        for password in ("doce letras!", "frase de sesenta y cuatro caracteres " + "ñ" * 27):
            response, email = self._register(app.test_client(), password)
            assert response.status_code == 302, (len(password), response.get_data(as_text=True)[-3000:])
            assert login(app.test_client(), email, password).status_code == 302
        long_password = "b" * 72 + " y luego algo más"
        response, email = self._register(app.test_client(), long_password)
        assert response.status_code == 302
        # bcrypt would accept the first 72 bytes alone; the stored hash must not.
        assert login(app.test_client(), email, "b" * 72).status_code == 400
        stored = db.session.scalar(select(User.password_hash).where(User.email == email))
        assert long_password not in stored and not stored.startswith("$2")
