"""The site's identity from the settings: titles, descriptions, logo, colours, contact, GOV.CO bar, favicon."""
import re

import pytest

from aga_consulta import create_app
from aga_consulta.identity.services import color_problems, phone_link, theme_css
from config import ConfigError

PUBLIC_PAGES = ["/", "/auth/login", "/auth/register", "/privacidad", "/terminos", "/accesibilidad"]


@pytest.fixture
def branded(app):
    """The session's app with a deployment's identity, put back afterwards."""
    values = {"SITE_NAME": "Urna Abierta", "ENTITY_NAME": "Ministerio de Pruebas", "SITE_LOGO": "img/favicon.svg",
              "SITE_COLOR_PRIMARY": "#123456", "CONTACT_ADDRESS": "Carrera 8 # 12B-31, Bogotá D.C.",
              "CONTACT_PHONE": "+57 (601) 382 2800", "CONTACT_EMAIL": "contacto@pruebas.gov.co",
              "CONTACT_HOURS": "Lunes a viernes, 7:00 a. m. a 4:00 p. m.", "GOVCO_BAR": False}
    saved = {name: app.config[name] for name in values}
    app.config.update(values)
    yield app
    app.config.update(saved)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_page_has_a_titled_name_a_description_and_icons(client, url):
    html = client.get(url).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert re.fullmatch(r".+ · Consulta Estado Abierto", title), title
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert len(description) > 50
    assert 'rel="icon" href="/static/img/favicon.svg" type="image/svg+xml"' in html
    assert 'href="/static/img/favicon-32.png"' in html


def test_the_consultation_page_describes_itself(client, factory):
    consultation = factory.consultation(slug="plan")
    consultation.description = "Una consulta sobre agua potable. " * 20
    from aga_consulta.extensions import db

    db.session.commit()
    html = client.get("/consultations/plan").get_data(as_text=True)
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert description.startswith("Una consulta sobre agua potable.") and len(description) <= 160


def test_the_default_identity_shows_the_govco_bar_the_logo_and_the_footer(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="https://www.gov.co/"') == 2  # the bar above the header and the footer's
    assert '<img src="/static/img/logo.svg" alt=""' in html
    footer = html.split('<footer class="site-footer">', 1)[1]
    for text in ("Entidad responsable de la consulta (sin configurar)", "Dirección:", "Horario de atención:",
                 "Teléfono:", 'href="tel:+576010000000"', 'href="mailto:datos.personales@example.gov.co"',
                 'href="/privacidad"', 'href="/terminos"', 'href="/accesibilidad"'):
        assert text in footer, text
    assert "/theme.css" not in html  # the default colours are site.css's own


def test_a_deployment_sets_its_names_contact_colours_and_drops_the_bar(client, branded):
    html = client.get("/auth/login").get_data(as_text=True)
    assert re.search(r"<title>\s*Iniciar sesión · Urna Abierta</title>", html)
    assert "Ministerio de Pruebas" in html and '<img src="/static/img/favicon.svg" alt=""' in html
    assert "gov.co/" not in html
    assert 'href="tel:+576013822800"' in html and "Carrera 8 # 12B-31, Bogotá D.C." in html
    assert "contacto@pruebas.gov.co" in html and "7:00 a. m. a 4:00 p. m." in html
    link = re.search(r'href="(/theme\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(link)
    assert response.mimetype == "text/css" and "--brand: #123456" in response.get_data(as_text=True)
    assert response.cache_control.max_age == 365 * 24 * 3600
    # An old version's URL is answered, but not cached for long.
    assert client.get("/theme.css?v=000000000000").cache_control.max_age is None


def test_the_theme_sheet_sets_only_what_differs_from_the_defaults():
    config = {"SITE_COLOR_PRIMARY": "#0B4F8A", "SITE_COLOR_PRIMARY_DARK": "#000000", "SITE_COLOR_ACCENT": "#f2a900"}
    assert theme_css(config) == ":root { --brand-dark: #000000; }\n"
    assert theme_css(dict(config, SITE_COLOR_PRIMARY_DARK="#083a66")) == ""


@pytest.mark.parametrize("bad", ["red", "#12345", "#1234567", "#12345g", "#123456; } body { display: none", ""])
def test_a_colour_that_is_not_rrggbb_stops_the_start(bad):
    with pytest.raises(ConfigError, match="SITE_COLOR_ACCENT"):
        create_app("testing", overrides={"SITE_COLOR_ACCENT": bad})
    assert color_problems({"SITE_COLOR_PRIMARY": "#0b4f8a", "SITE_COLOR_PRIMARY_DARK": "#083a66",
                           "SITE_COLOR_ACCENT": bad}) != []


@pytest.mark.parametrize("written, link", [
    ("+57 601 000 0000 (sin configurar)", "tel:+576010000000"),
    ("(601) 382 2800", "tel:6013822800"),
    ("018000 912 667", "tel:018000912667"),
    ("sin teléfono", None),
])
def test_phone_links(written, link):
    assert phone_link(written) == link


def test_the_favicon_and_robots_answer(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"
    for path in ("/static/img/favicon.svg", "/static/img/favicon-32.png", "/static/img/apple-touch-icon.png",
                 "/static/img/logo.svg"):
        assert client.get(path).status_code == 200, path
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /moderation/" in robots and "/me" not in robots
