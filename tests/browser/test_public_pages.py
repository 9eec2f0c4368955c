"""The public pages a visitor reaches from the home page pass the checks of every journey (axe
WCAG 2.1 A and AA, the screen's width, no browser error) at both widths, with a screenshot of
each; and a citizen votes from the consultation's list and lands back on the card."""
import re
from datetime import timedelta

import pytest

from aga_consulta.processes.services import create_process
from aga_consulta.timeutil import utcnow
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def _site(factory):
    consultation = factory.consultation(slug="plan-v", title="Consulta del V Plan de Acción")
    factory.proposal(consultation, code="N-01", title="Participación ciudadana en el presupuesto", theme="participacion")
    factory.proposal(consultation, code="S-76", title="Veedurías en Cali", scope="subnational", department="76")
    factory.consultation(slug="pasada", state="closed", title="Consulta pasada")
    now = utcnow()
    create_process(slug="plan-v", title="V Plan de Acción", steps=[
        {"kind": "thematic_survey", "opens_at": now - timedelta(days=20), "closes_at": now - timedelta(days=2)},
        {"kind": "consultation", "opens_at": consultation.opens_at, "closes_at": consultation.closes_at,
         "consultation": consultation},
    ])
    return factory.user(name="Lucía Gómez", email="lucia@example.co")


@pytest.mark.parametrize("viewport, lang", [("desktop", "es"), ("phone", "es"), ("phone", "en")])
def test_public_pages_and_a_vote_from_the_list(app, factory, open_page, viewport, lang):
    _site(factory)
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page
    for url, name in (("/", "home"), ("/consultations/plan-v", "consultation"),
                      ("/consultations/plan-v?q=participacion", "search"),
                      ("/consultations/plan-v?q=inexistente", "search-empty"),
                      ("/processes/plan-v", "process"), ("/consultations/pasada", "closed"),
                      ("/consultations/plan-v/results", "results"), ("/consultations/plan-v/decisions", "decisions")):
        tab.goto(url, name)

    tab.goto("/auth/login", "login")
    page.get_by_label(tr("Correo electrónico")).fill("lucia@example.co")
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    tab.goto("/consultations/plan-v?q=cali", "search-logged-in")
    card = page.locator(".proposal-card")
    expect(card).to_have_count(1)
    card.get_by_role("button", name=f"{tr('Votar')} S-76").click()
    expect(page).to_have_url(re.compile(r"/consultations/plan-v\?q=cali#p-\d+$"))
    expect(card.locator(".badge-voted")).to_be_visible()
    tab.check("voted-from-list")
    tab.assert_clean()
