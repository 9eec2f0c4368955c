"""The committee page and the moderators' committee screens in Chromium: axe-clean, narrow, bilingual, no script."""
import pytest

from aga_consulta.seed.committee import load_committee
from tests.browser.conftest import VIEWPORTS
from tests.browser.pages import translator
from tests.browser.test_moderator_journey import create_moderator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_committee_page_and_its_screens_pass_the_checks(app, runner, open_page, viewport, lang):
    load_committee()
    email = f"comite.{viewport}.{lang}@example.co"
    create_moderator(runner, email)
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page

    tab.goto("/", "home")
    page.get_by_role("link", name=tr("Comité"), exact=True).click()
    tab.check("committee")
    assert page.get_by_role("heading", name=tr("Comité de Gobierno Abierto")).is_visible()
    assert page.get_by_text(tr("Reconstrucción de referencia.")).is_visible()
    assert page.get_by_role("heading", name=tr("¿Con qué frecuencia se reúne el comité?")).is_visible()

    page.goto("/auth/login")
    page.get_by_label(tr("Correo electrónico")).fill(email)
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    tab.goto("/moderation/committee/", "manage")
    page.get_by_label(tr("Organización"), exact=True).fill("Archivo General de la Nación")
    page.get_by_label(tr("Miembro desde")).fill("2021-02-01")
    page.get_by_role("button", name=tr("Añadir el miembro")).click()
    assert page.get_by_role("link", name="Archivo General de la Nación").is_visible()
    tab.check("member-added")
    page.get_by_role("link", name=tr("Registrar una reunión")).click()
    tab.check("new-meeting")
    tab.assert_clean()


def test_the_committee_page_needs_no_javascript_and_prints(chromium, site):
    load_committee()
    context = chromium.new_context(base_url=site.url, viewport=VIEWPORTS["phone"], locale="es-CO",
                                   java_script_enabled=False)
    try:
        page = context.new_page()
        assert page.goto("/committee").status == 200
        assert page.locator("article.meeting").count() == 24
        assert page.get_by_text("Última reunión").is_visible()
        # Printed, the page keeps the record and drops the site's navigation and forms.
        page.emulate_media(media="print")
        assert not page.locator("header.site-header").is_visible()
        assert not page.locator("form").first.is_visible()
        assert page.locator("article.meeting").first.is_visible()
        assert page.get_by_text("https://www.opengovpartnership.org/members/colombia/").first.is_visible()
    finally:
        context.close()
