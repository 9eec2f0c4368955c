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


# --- the holder's rights on /me ---------------------------------------------------------------

def test_the_holder_downloads_all_their_data_as_json_and_csv_and_no_secret(app, factory, world):
    import csv
    import io
    import json

    from aga_consulta.comments.services import report_comment

    ana, proposal = world["ana"], world["proposal"]
    other = add_comment(factory.user(), proposal, "Comentario ajeno")
    report_comment(ana, other, "=Motivo del reporte")
    anonymous = app.test_client()
    assert anonymous.get("/me/data.json").status_code == 302

    response = world["client"].get("/me/data.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["name"] == "Ana María Torres Pérez" and data["account"]["public_name"] == "Ana T."
    assert data["account"]["email"] == "ana@example.co" and data["account"]["department_code"] == "76"
    assert data["consent"]["policy_version"] == ana.consent_version and data["consent"]["consented_at"]
    assert [(v["consultation"], v["proposal_code"]) for v in data["votes"]] == [("plan", "N-1")]
    assert [(c["body"], c["status"], c["proposal_code"]) for c in data["comments"]] == [
        ("Mi comentario", "published", "N-1")]
    assert [(r["comment_id"], r["reason"]) for r in data["reports"]] == [(other.id, "=Motivo del reporte")]
    text = response.get_data(as_text=True)
    assert ana.password_hash not in text and ana.session_token not in text
    assert "password" not in text and "session_token" not in text

    listed = world["client"].get("/me/data.csv")
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(listed.get_data(as_text=True), newline="")))
    values = {(row["section"], row["field"]): row["value"] for row in rows}
    assert values[("account", "public_name")] == "Ana T." and values[("comments", "body")] == "Mi comentario"
    assert values[("votes", "proposal_code")] == "N-1"
    assert values[("reports", "reason")] == "'=Motivo del reporte"  # no formula in a spreadsheet
    assert ana.password_hash not in listed.get_data(as_text=True)


def test_the_holder_corrects_names_and_department_with_the_csrf_token(csrf_app, factory):
    from tests.helpers import csrf_token

    user = factory.user(name="Ana Torres", email="ana@example.co")
    client = csrf_app.test_client()
    client.post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD,
                                     "csrf_token": csrf_token(client, "/auth/login")})
    change = {"name": "Ana María Torres", "public_name": "La Profe\u202e", "department": "05"}
    assert client.post("/me/profile", data=change).status_code == 400  # no token
    db.session.refresh(user)
    assert (user.name, user.public_name, user.department_code) == ("Ana Torres", "Ana T.", "11")

    token = csrf_token(client, "/me/profile")
    refused = client.post("/me/profile", data=dict(change, public_name="Moderación oficial", csrf_token=token))
    assert refused.status_code == 400 and "reservado al equipo de la plataforma" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.public_name == "Ana T."

    response = client.post("/me/profile", data=dict(change, csrf_token=token))
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    db.session.refresh(user)
    assert (user.name, user.public_name, user.department_code) == ("Ana María Torres", "La Profe", "05")
    assert user.email == "ana@example.co"


def test_deleting_the_account_keeps_the_figures_logs_out_and_frees_the_email(app, factory, world):
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.tally.services import compute_tally

    ana, client, proposal = world["ana"], world["client"], world["proposal"]
    consultation = get_by_slug("plan")
    tally = compute_tally(consultation)
    results = app.test_client().get("/consultations/plan/results").get_data(as_text=True)
    cookie = client.get_cookie("session")

    wrong = client.post("/me/delete", data={"password": "no es la contraseña", "confirm": "y"})
    assert wrong.status_code == 400 and "La contraseña no es correcta." in wrong.get_data(as_text=True)
    unconfirmed = client.post("/me/delete", data={"password": PASSWORD})
    assert unconfirmed.status_code == 400
    db.session.refresh(ana)
    assert ana.deleted_at is None and ana.active

    response = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})

    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert compute_tally(consultation) == tally
    assert app.test_client().get("/consultations/plan/results").get_data(as_text=True) == results
    page = app.test_client().get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Participante eliminado" in page and "Mi comentario" in page and "Ana T." not in page
    assert client.get("/me").status_code == 302  # logged out
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/me").status_code == 302  # the old session is dead
    assert app.test_client().post("/auth/login", data={"email": "ana@example.co", "password": PASSWORD}).status_code == 400
    again = app.test_client().post("/auth/register", data=REGISTER)
    assert again.status_code == 302
    assert count(User, User.email == "ana@example.co") == 1
