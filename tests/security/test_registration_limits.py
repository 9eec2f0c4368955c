"""Issue 11, finding 2 (the registration half): throwaway accounts cost more to mint.

Three accounts registered from one address hid a comment at once. Which reports count
toward auto-hide is tested with the comments; here: production requires a confirmed
e-mail address by default (each account needs a mailbox of its own before it may vote,
comment or report), and one client address may open only a few accounts, while forms
refused for bad input do not use that budget up.
"""
import re

import pytest

from aga_consulta.accounts.models import User
from config import get_config
from tests.helpers import PASSWORD, count


def _form(email, password=PASSWORD):
    return {"name": "Persona Prueba", "email": email, "password": password, "password_confirm": password,
            "department": "11", "accept_terms": "y"}


@pytest.fixture
def production_register_limits(app, monkeypatch):
    """The production registration limits (their defaults in config.py), for this test."""
    production = get_config("production", environ={})
    for key in ("REGISTER_RATE_LIMIT", "REGISTER_ATTEMPT_RATE_LIMIT"):
        monkeypatch.setitem(app.config, key, getattr(production, key, app.config.get(key)))
    return production


def test_production_requires_a_confirmed_email_by_default_and_development_does_not():
    assert get_config("production", environ={}).EMAIL_CONFIRMATION_REQUIRED is True
    assert get_config("development", environ={}).EMAIL_CONFIRMATION_REQUIRED is False
    # An operator may still decide otherwise, explicitly.
    assert get_config("production", environ={"EMAIL_CONFIRMATION_REQUIRED": "0"}).EMAIL_CONFIRMATION_REQUIRED is False


def test_one_address_opens_at_most_five_accounts_an_hour(app, production_register_limits):
    per_hour = int(re.match(r"\d+", production_register_limits.REGISTER_RATE_LIMIT).group(0))
    assert per_hour <= 5
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.30"
    statuses = []
    for n in range(per_hour + 2):
        statuses.append(client.post("/auth/register", data=_form(f"desechable{n}@example.co")).status_code)
        client.post("/auth/logout")
    assert statuses == [302] * per_hour + [429, 429]
    assert count(User) == per_hour
    refusal = client.post("/auth/register", data=_form("una-mas@example.co"))
    assert refusal.status_code == 429 and "Retry-After" in refusal.headers
    assert "Demasiadas solicitudes" in refusal.get_data(as_text=True)

    # Per address: someone elsewhere still registers.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.30"
    assert other.post("/auth/register", data=_form("vecina@example.co")).status_code == 302


def test_forms_refused_for_bad_input_do_not_use_up_the_accounts(app, production_register_limits):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.31"
    assert [client.post("/auth/register", data=_form(f"p{n}@example.co", password="corta")).status_code
            for n in range(8)] == [400] * 8
    assert count(User) == 0
    assert client.post("/auth/register", data=_form("por-fin@example.co")).status_code == 302
