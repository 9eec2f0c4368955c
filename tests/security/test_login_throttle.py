"""Issue 11, finding 1: password guessing is throttled per account, not only per client address.

The probe sent 60 wrong passwords for one moderator from 6 client addresses, got no 429,
and then logged in with the right one. Here each test sets its own thresholds (the testing
config keeps the locks out of reach of the rest of the suite).
"""
import re
import time

import pytest

from aga_consulta.accounts import recovery, throttle
from tests.helpers import PASSWORD, login
from tests.security.support import table_counts

WRONG = "una contraseña equivocada"
LOCKED = "Hubo demasiados intentos fallidos de iniciar sesión con este correo"
PAUSED = "demasiados intentos fallidos de iniciar sesión en todo el sitio"


@pytest.fixture
def settings(app, monkeypatch):
    """Set configuration keys for one test; monkeypatch undoes every change afterwards."""
    return lambda **values: [monkeypatch.setitem(app.config, key, value) for key, value in values.items()]


@pytest.fixture
def production_locks(settings):
    """The production defaults of the per-account lock (config.py), for this test."""
    settings(LOGIN_LOCK_AFTER=5, LOGIN_LOCK_SECONDS=60, LOGIN_LOCK_MAX_SECONDS=3600, LOGIN_FAILURE_WINDOW=86400)


def _clients(app, count, prefix="198.51.100"):
    clients = []
    for n in range(count):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"{prefix}.{n + 10}"
        clients.append(client)
    return clients


def _attempts(clients, email, count, password=WRONG):
    """`count` logins with `email`, spread round-robin over `clients`; return the responses."""
    return [clients[n % len(clients)].post("/auth/login", data={"email": email, "password": password})
            for n in range(count)]


def _page(response):
    # The CSRF token and the echoed address differ by design; the clock time may tick over.
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token"[^>]*>', "", html)
    html = re.sub(r'value="[^"]*@example\.co"', "", html)
    return re.sub(r"a partir de [^)]*\)", "", html)


class TestPerAccountLoginThrottle:
    def test_60_wrong_passwords_from_6_addresses_lock_the_account_and_the_right_one_waits(
            self, app, factory, production_locks):
        moderator = factory.user(role="moderator", email="moderadora@example.co")
        answers = _attempts(_clients(app, 6), moderator.email, 60)

        assert [a.status_code for a in answers[:5]] == [400] * 5
        assert [a.status_code for a in answers[5:]] == [429] * 55
        refusal = answers[-1]
        assert 0 < int(refusal.headers["Retry-After"]) <= 60
        html = refusal.get_data(as_text=True)
        assert LOCKED in html and "podrás intentarlo de nuevo en 1 minuto" in html
        assert 'href="/auth/password/forgot"' in html

        # The right password, from yet another address, is refused too: no session opens.
        elsewhere = _clients(app, 1, prefix="192.0.2")[0]
        assert login(elsewhere, moderator.email).status_code == 429
        assert elsewhere.get("/me").status_code == 302

    def test_an_unknown_address_is_locked_exactly_like_an_account(self, app, factory, production_locks):
        factory.user(email="existe@example.co")
        answers = {}
        for email in ("existe@example.co", "no-existe@example.co"):
            answers[email] = _attempts(_clients(app, 3), email, 8)
        known, unknown = answers["existe@example.co"], answers["no-existe@example.co"]
        assert [a.status_code for a in known] == [a.status_code for a in unknown] == [400] * 5 + [429] * 3
        assert [a.headers.get("Retry-After") for a in known] == [a.headers.get("Retry-After") for a in unknown]
        assert [_page(a) for a in known] == [_page(a) for a in unknown]

    def test_look_alike_spellings_share_one_count(self, app, factory, production_locks):
        factory.user(email="ana@example.co")
        clients = _clients(app, 2)
        for spelling in ("ana@example.co", "ANA@example.co", "ana@ｅxample.co", " Ana@EXAMPLE.co", "ana@example.CO"):
            assert _attempts(clients, spelling, 1)[0].status_code == 400
        assert login(clients[0], "ana@example.co").status_code == 429

    def test_each_lock_doubles_and_a_right_password_forgets_the_count(self, app, factory, settings):
        settings(LOGIN_LOCK_AFTER=2, LOGIN_LOCK_SECONDS=1, LOGIN_LOCK_MAX_SECONDS=60)
        user = factory.user(email="ana@example.co")
        client = _clients(app, 1)[0]
        assert [a.status_code for a in _attempts([client], user.email, 2)] == [400, 400]
        first = login(client, user.email)
        assert first.status_code == 429 and int(first.headers["Retry-After"]) == 1

        time.sleep(1.2)
        assert _attempts([client], user.email, 1)[0].status_code == 400  # the lock ran out
        second = login(client, user.email)
        assert second.status_code == 429 and 1 <= int(second.headers["Retry-After"]) <= 2

        time.sleep(2.2)
        assert login(client, user.email).status_code == 302
        client.post("/auth/logout")
        # Forgotten: the next wrong password starts from zero again.
        assert [a.status_code for a in _attempts([client], user.email, 2)] == [400, 400]

    def test_lock_lengths_double_from_the_threshold_up_to_the_cap(self, production_locks):
        assert [throttle.lock_seconds(n) for n in range(1, 13)] == [
            0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        assert throttle.lock_seconds(10 ** 6) == 3600

    def test_a_password_reset_ends_the_lock(self, app, factory, production_locks):
        user = factory.user(email="ana@example.co")
        client = _clients(app, 1)[0]
        _attempts([client], user.email, 6)
        assert login(client, user.email).status_code == 429
        new = "una frase nueva después del bloqueo"
        token = recovery.make_reset_token(user)
        assert client.post(f"/auth/password/reset/{token}", data={"password": new, "password_confirm": new}).status_code == 303
        assert login(client, user.email, new).status_code == 302


class TestSiteWideLoginBrake:
    def test_past_the_cap_on_failures_every_login_waits_and_nothing_is_stored(self, app, factory, settings):
        settings(LOGIN_FAILURE_RATE_LIMIT="5 per minute")
        victims = [factory.user(email=f"persona{n}@example.co") for n in range(6)]
        # Credential stuffing: one guess per account, each from its own address.
        for victim, client in zip(victims[:5], _clients(app, 5)):
            assert _attempts([client], victim.email, 1)[0].status_code == 400
        before = table_counts()

        stranger = _clients(app, 1, prefix="192.0.2")[0]
        refusal = login(stranger, victims[5].email)
        assert refusal.status_code == 429
        assert 0 < int(refusal.headers["Retry-After"]) <= 60
        assert PAUSED in refusal.get_data(as_text=True)
        assert stranger.get("/me").status_code == 302
        assert table_counts() == before


class TestPasswordResetThrottle:
    def test_reset_requests_for_one_address_from_many_clients_get_429_account_or_not(self, app, factory, settings):
        settings(RESET_EMAIL_RATE_LIMIT="2 per hour")
        factory.user(email="existe@example.co")
        answers = {}
        for email in ("existe@example.co", "no-existe@example.co"):
            answers[email] = [client.post("/auth/password/forgot", data={"email": email})
                              for client in _clients(app, 4)]
        known, unknown = answers["existe@example.co"], answers["no-existe@example.co"]
        assert [a.status_code for a in known] == [a.status_code for a in unknown] == [303, 303, 429, 429]
        assert 3500 < int(known[-1].headers["Retry-After"]) <= 3600
        assert "podrás pedir otro en 1 hora" in known[-1].get_data(as_text=True)
        assert _page(known[-1]) == _page(unknown[-1])

    def test_reset_link_pages_are_limited_per_client(self, app, factory, settings):
        settings(RESET_TOKEN_RATE_LIMIT="3 per minute")
        user = factory.user(email="ana@example.co")
        client = _clients(app, 1)[0]
        guesses = [client.get(f"/auth/password/reset/{n}.forged.token") for n in range(3)]
        assert [g.status_code for g in guesses] == [400] * 3
        valid = f"/auth/password/reset/{recovery.make_reset_token(user)}"
        over = client.post(valid, data={"password": "otra frase larga cualquiera", "password_confirm": "otra frase larga cualquiera"})
        assert over.status_code == 429 and "Retry-After" in over.headers
        assert login(app.test_client(), user.email).status_code == 302  # the password did not change
        # The link itself still works from another client.
        assert _clients(app, 1, prefix="192.0.2")[0].get(valid).status_code == 200
