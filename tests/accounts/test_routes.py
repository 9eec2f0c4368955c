"""Registration, login, logout and /me through the HTML forms."""
import pytest

from aga_consulta.accounts.models import User
from aga_consulta.voting.models import Vote
from tests.helpers import PASSWORD, count, login

FORM = {
    "name": "Ana Pérez",
    "email": "ana@example.co",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "department": "76",
    "accept_terms": "y",
}


def test_register_logs_in_and_redirects(client):
    response = client.post("/auth/register", data=FORM)
    assert response.status_code == 302
    assert count(User) == 1
    assert client.get("/me").status_code == 200


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("accept_terms", None, "Debes aceptar el tratamiento"),
        ("department", "00", "Not a valid choice"),
        ("email", "no-es-correo", "correo electrónico válido"),
        ("password_confirm", "otra cosa distinta", "no coinciden"),
        ("password", "corta", "al menos 12"),
        ("name", "", "Escribe tu nombre"),
    ],
)
def test_register_refusals_show_the_message_and_store_nothing(client, field, value, message):
    data = dict(FORM)
    if value is None:
        data.pop(field)
    else:
        data[field] = value
        if field == "password":
            data["password_confirm"] = value
    response = client.post("/auth/register", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    if message != "Not a valid choice":
        assert message in html
    assert count(User) == 0


def test_duplicate_email_is_refused_with_the_same_neutral_message(client, factory):
    factory.user(email="ana@example.co")
    response = client.post("/auth/register", data=dict(FORM, email="ANA@example.co"))
    assert response.status_code == 400
    assert "inicia sesión o recupera tu contraseña" in response.get_data(as_text=True)
    assert count(User) == 1


def test_failed_login_does_not_say_which_field_was_wrong(client, factory):
    factory.user(email="ana@example.co")
    wrong_password = login(client, "ana@example.co", "una contraseña equivocada")
    unknown_email = login(client, "nadie@example.co")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert "Correo o contraseña incorrectos." in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/consultations/x", "/consultations/x"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("////evil.example", "/"),
        ("https:evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_honours_only_local_next(client, factory, target, expected):
    factory.user(email="ana@example.co")
    response = client.post("/auth/login", query_string={"next": target}, data={"email": "ana@example.co", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_requires_post_and_invalidates_the_old_cookie(app, factory):
    factory.user(email="ana@example.co")
    client = app.test_client()
    login(client, "ana@example.co")
    assert client.get("/auth/logout").status_code == 405
    stolen = client.get_cookie("session").value
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/me").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/me").status_code == 302


def test_deactivated_account_is_logged_out(client, factory):
    user = factory.user(email="ana@example.co")
    login(client, "ana@example.co")
    user.active = False
    from aga_consulta.extensions import db

    db.session.commit()
    assert client.get("/me").status_code == 302


def test_me_lists_my_votes_and_comments_with_links(client, factory):
    from aga_consulta.comments.services import add_comment
    from aga_consulta.voting.services import cast_vote

    user = factory.user(email="ana@example.co")
    consultation = factory.consultation()
    proposal = factory.proposal(consultation, code="N-01", title="Datos abiertos")
    cast_vote(user, proposal)
    add_comment(user, proposal, "Muy buena idea para el plan")
    login(client, "ana@example.co")
    html = client.get("/me").get_data(as_text=True)
    assert "N-01 · Datos abiertos" in html
    assert f"/proposals/{proposal.id}" in html
    assert "Muy buena idea para el plan" in html
    assert count(Vote) == 1


def test_remember_cookie_flags(app, factory):
    factory.user(email="ana@example.co")
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    session = [c for c in cookies if c.startswith("session=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]
