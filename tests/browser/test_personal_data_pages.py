"""The legal pages and the holder's pages on /me pass the same checks as every journey (axe
WCAG 2.1 A and AA, the screen's width, no browser error), and a citizen corrects their data
and deletes the account through them."""
import pytest

from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, lang", [("desktop", "es"), ("phone", "en")])
def test_legal_pages_and_my_data_pages(app, factory, open_page, viewport, lang):
    citizen = factory.user(name="Lucía Gómez", email="lucia@example.co")
    citizen_id = citizen.id
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page

    for url, name in (("/privacidad", "privacy"), ("/terminos", "terms"), ("/accesibilidad", "accessibility")):
        tab.goto(url, name)

    tab.goto("/auth/login", "login")
    page.get_by_label(tr("Correo electrónico")).fill("lucia@example.co")
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    tab.goto("/me", "me")
    page.get_by_role("link", name=tr("Corregir mis datos")).click()
    tab.check("profile")
    page.get_by_label(tr("Nombre público")).fill("Lucía de Cali")
    page.get_by_role("button", name=tr("Guardar cambios")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    tab.check("profile-saved")

    page.get_by_role("link", name=tr("Eliminar mi cuenta")).click()
    tab.check("delete")
    page.get_by_role("button", name=tr("Eliminar mi cuenta para siempre")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    tab.check("delete-refused")
    page.get_by_label(tr("Tu contraseña")).fill(PASSWORD)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=tr("Eliminar mi cuenta para siempre")).click()
    expect(page.get_by_role("link", name=tr("Iniciar sesión"), exact=True)).to_be_visible()
    tab.check("deleted")
    db.session.expire_all()
    assert db.session.get(User, citizen_id).deleted_at is not None
