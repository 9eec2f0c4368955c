"""Finding 8 of issue 11: display names carried bidi overrides (U+202E) and staff-sounding
names ("Equipo de Moderación (oficial)") were open to any citizen."""
import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from tests.helpers import PASSWORD, count, login

REGISTER = {"email": "ana@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
            "department": "76", "accept_terms": "y"}
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff"


def test_registration_strips_bidi_controls_and_invisible_characters_from_the_name(client, factory):
    response = client.post("/auth/register", data=dict(REGISTER, name="Ana \u202eTorres\u2069\u200b"))
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.name == "Ana Torres"
    proposal = factory.proposal(factory.consultation())
    add_comment(user, proposal, "Hola")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert not any(control in page for control in CONTROLS)


@pytest.mark.parametrize("name", [
    "Equipo de Moderación (oficial)", "Moderador", "Administración AGA", "admin", "Soporte", "Cuenta oficial",
    "Equipo\u200b de Mode\u202eración", "ＭＯＤＥＲＡＣＩÓＮ",
])
def test_a_citizen_cannot_register_a_staff_sounding_name(client, name):
    response = client.post("/auth/register", data=dict(REGISTER, name=name))
    assert response.status_code == 400
    assert "reservado al equipo de la plataforma" in response.get_data(as_text=True)
    assert count(User) == 0


def test_staff_accounts_may_carry_those_names(runner):
    result = runner.invoke(args=["users", "create", "--email", "mora@example.co", "--name", "Equipo de Moderación",
                                 "--role", "moderator", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.name)) == "Equipo de Moderación"


def test_a_citizen_account_from_the_command_line_is_held_to_the_same_rule(runner):
    result = runner.invoke(args=["users", "create", "--email", "eq@example.co", "--name", "Equipo oficial",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "reservado" in result.output
    assert count(User) == 0


def test_correcting_the_profile_holds_citizens_and_lets_staff_keep_their_names(app, factory):
    from aga_consulta.accounts.models import User

    factory.user(email="ana@example.co", name="Ana Torres")
    factory.user(email="mora@example.co", name="Mora Ruiz", role="moderator")
    change = {"name": "Equipo de Moderación\u202e", "public_name": "Moderación", "department": "11"}
    for email, status in (("ana@example.co", 400), ("mora@example.co", 303)):
        client = app.test_client()
        login(client, email)
        assert client.post("/me/profile", data=change).status_code == status, email
    names = dict(db.session.execute(select(User.email, User.name)).all())
    assert names == {"ana@example.co": "Ana Torres", "mora@example.co": "Equipo de Moderación"}
