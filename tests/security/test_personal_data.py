"""Personal data under Ley 1581 de 2012 (issue 11): the legal name stays private, the citizen
chooses the public one, and the registration page says exactly what is public."""
import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.voting.services import cast_vote
from tests.helpers import PASSWORD, count, login
from tests.security.support import fetch

REGISTER = {"name": "Ana María Torres Pérez", "email": "ana@example.co", "password": PASSWORD,
            "password_confirm": PASSWORD, "department": "76", "accept_terms": "y"}
LEGAL = ("Torres", "Pérez", "Ana María")


@pytest.fixture
def world(app, factory):
    """Ana registered through the form with no public name; she comments and votes."""
    client = app.test_client()
    assert client.post("/auth/register", data=REGISTER).status_code == 302
    ana = db.session.scalar(select(User).where(User.email == "ana@example.co"))
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation, code="N-1")
    comment = add_comment(ana, proposal, "Mi comentario")
    add_comment(factory.user(), proposal, "Una respuesta", parent=comment)
    cast_vote(ana, proposal)
    return {"ana": ana, "proposal": proposal, "client": client}


def test_public_pages_and_open_data_show_the_public_name_never_the_legal_name(app, factory, world):
    assert world["ana"].public_name == "Ana T."
    proposal = world["proposal"]
    anonymous, other = app.test_client(), app.test_client()
    login(other, factory.user().email)
    pages = ["/", "/consultations/plan", f"/proposals/{proposal.id}", f"/proposals/{proposal.id}?reply_to=1",
             "/consultations/plan/results", "/consultations/plan/decisions"]
    for client in (anonymous, other):
        for url in pages:
            html = client.get(url).get_data(as_text=True)
            assert not any(part in html for part in LEGAL), url
    assert "Ana T." in anonymous.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    for name in ("proposals", "summary", "participation_by_department"):
        _response, body = fetch(anonymous, f"/consultations/plan/export/{name}.csv")
        assert not any(part in body.decode() for part in LEGAL + ("Ana T.", "ana@example.co")), name


def test_moderators_exports_carry_no_name_either(app, factory, world):
    moderator = app.test_client()
    login(moderator, factory.user(role="moderator").email)
    for name in ("votes", "comments", "participants"):
        _response, body = fetch(moderator, f"/moderation/consultations/plan/export/{name}.csv")
        assert not any(part in body.decode() for part in LEGAL + ("Ana T.", "ana@example.co")), name


def test_the_citizen_chooses_the_public_name_at_registration(client):
    response = client.post("/auth/register", data=dict(REGISTER, public_name="  La Profe\u202e "))
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.name, user.public_name) == ("Ana María Torres Pérez", "La Profe")


def test_a_staff_sounding_public_name_is_refused_beside_its_field_and_nothing_is_stored(client):
    response = client.post("/auth/register", data=dict(REGISTER, public_name="Equipo AGA"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="public_name-error"' in html and "reservado al equipo de la plataforma" in html
    assert count(User) == 0


def test_a_refused_registration_suggests_the_default_public_name(client):
    response = client.post("/auth/register", data=dict(REGISTER, password_confirm="otra cosa distinta"))
    assert response.status_code == 400
    assert 'value="Ana T."' in response.get_data(as_text=True)


def test_the_registration_page_says_what_is_public(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert 'name="public_name"' in html
    assert "Qué publicamos:" in html and "solo tu nombre público" in html
    assert "tu nombre completo, tu correo, tu contraseña ni por qué propuestas votaste" in html


def test_the_legal_pages_exist_and_registration_and_every_footer_link_them(client):
    for url, title in (("/privacidad", "Política de tratamiento de datos personales"), ("/terminos", "Términos de uso"),
                       ("/accesibilidad", "Declaración de accesibilidad")):
        response = client.get(url)
        assert response.status_code == 200 and title in response.get_data(as_text=True)
        for page in ("/", "/auth/register", "/no-existe"):
            footer = client.get(page).get_data(as_text=True).split("<footer", 1)[1]
            assert f'href="{url}"' in footer, (page, url)
    consent = client.get("/auth/register").get_data(as_text=True).split('<label for="accept_terms">', 1)[1]
    assert 'href="/privacidad"' in consent.split("</label>", 1)[0]
