"""The legal pages: privacy policy, terms of use, accessibility statement; the footer and the
registration form link them; consent is recorded with the policy's version and renewed."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from aga_consulta.accounts.consent import POLICY_DATE, POLICY_VERSION
from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from tests.helpers import PASSWORD, csrf_token, login

PAGES = {"/privacidad": "Política de tratamiento de datos personales", "/terminos": "Términos de uso",
         "/accesibilidad": "Declaración de accesibilidad"}
ENGLISH = {"/privacidad": "Personal data processing policy", "/terminos": "Terms of use",
           "/accesibilidad": "Accessibility statement"}


@pytest.mark.parametrize("url", PAGES)
def test_each_page_in_spanish_and_english(client, url):
    spanish = client.get(url)
    assert spanish.status_code == 200 and f"<h1>{PAGES[url]}</h1>" in spanish.get_data(as_text=True)
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"<h1>{ENGLISH[url]}</h1>" in english and PAGES[url] not in english.split("<footer")[0]


def test_the_policy_names_the_configured_controller_its_version_and_the_holders_rights(app, client):
    configured = dict(DATA_CONTROLLER_NAME="Secretaría de Transparencia", DATA_CONTROLLER_NIT="899.999.061-9",
                      DATA_CONTROLLER_ADDRESS="Calle 7 # 6-54, Bogotá", DATA_CONTROLLER_EMAIL="datos@example.gov.co")
    defaults = {key: app.config[key] for key in configured}
    app.config.update(configured)
    try:
        html = client.get("/privacidad").get_data(as_text=True)
    finally:
        app.config.update(defaults)
    for text in ("Secretaría de Transparencia", "899.999.061-9", "Calle 7 # 6-54, Bogotá", 'href="mailto:datos@example.gov.co"',
                 f"Versión {POLICY_VERSION}", "conocer, actualizar y rectificar", "revocar la autorización",
                 "pedir prueba de la autorización", "Superintendencia de Industria y Comercio",
                 "10 días hábiles", "15 días hábiles", "Participante eliminado", "90 días"):
        assert text in html, text
    assert str(POLICY_DATE.year) in html


def test_the_default_controller_is_a_placeholder_that_says_so(client):
    assert "(sin configurar)" in client.get("/privacidad").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/auth/login", "/auth/register", "/privacidad", "/no-existe"])
def test_every_page_links_the_three_from_its_footer(client, url):
    footer = client.get(url).get_data(as_text=True).split('<footer class="site-footer">', 1)[1]
    for link in PAGES:
        assert f'href="{link}"' in footer, (url, link)


def test_the_consent_checkbox_links_the_policy_and_the_terms(client):
    html = client.get("/auth/register").get_data(as_text=True)
    label = html.split('<label for="accept_terms">', 1)[1].split("</label>", 1)[0]
    assert 'href="/privacidad"' in label and 'href="/terminos"' in label and f"versión {POLICY_VERSION}" in label


def test_registration_records_the_policy_version_and_time(client):
    before = utcnow()
    client.post("/auth/register", data={"name": "Ana Torres", "email": "ana@example.co", "password": PASSWORD,
                                        "password_confirm": PASSWORD, "department": "11", "accept_terms": "y"})
    user = db.session.scalar(select(User))
    assert user.consent_version == POLICY_VERSION
    assert before - timedelta(seconds=1) <= user.consented_at <= utcnow()


def test_an_account_that_accepted_an_older_version_is_asked_to_accept_the_new_one(client, factory):
    user = factory.user(email="vieja@example.co")
    user.consent_version = "0"
    db.session.commit()
    login(client, "vieja@example.co")
    assert "Léela y acéptala" in client.get("/").get_data(as_text=True)
    assert 'action="/privacidad/aceptar"' in client.get("/privacidad").get_data(as_text=True)

    response = client.post("/privacidad/aceptar")

    assert response.status_code == 303
    db.session.refresh(user)
    assert user.consent_version == POLICY_VERSION
    page = client.get("/").get_data(as_text=True)
    assert "Léela y acéptala" not in page
    assert 'action="/privacidad/aceptar"' not in client.get("/privacidad").get_data(as_text=True)


def test_accepting_needs_a_login_and_the_csrf_token(csrf_app, factory):
    anonymous = csrf_app.test_client()
    response = anonymous.post("/privacidad/aceptar", data={"csrf_token": csrf_token(anonymous, "/privacidad")})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    user = factory.user(email="vieja@example.co")
    user.consent_version = "0"
    db.session.commit()
    client = csrf_app.test_client()
    client.post("/auth/login", data={"email": "vieja@example.co", "password": PASSWORD,
                                     "csrf_token": csrf_token(client, "/auth/login")})
    client.post("/privacidad/aceptar")  # no token
    db.session.refresh(user)
    assert user.consent_version == "0"
    client.post("/privacidad/aceptar", data={"csrf_token": csrf_token(client, "/privacidad")})
    db.session.refresh(user)
    assert user.consent_version == POLICY_VERSION
