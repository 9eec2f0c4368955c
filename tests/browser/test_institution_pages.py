"""An institution account on the practice consultation and survey: no vote, comment or answer
form, a note that says why, and pages that pass the same checks as every journey."""
import pytest

from aga_consulta.accounts.services import register_citizen
from aga_consulta.consultations.services import get_by_slug
from aga_consulta.processes.services import process_survey
from aga_consulta.seed.cocreation import load_demo
from aga_consulta.timeutil import utcnow
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

NOTE = ("Esta es una cuenta institucional: habla en nombre de una entidad, no de una persona, así que no puede "
        "votar, comentar ni responder encuestas. Para participar a título personal, usa una cuenta ciudadana.")


@pytest.mark.parametrize("viewport, lang", [("desktop", "es"), ("phone", "en")])
def test_an_institution_sees_why_it_cannot_vote_comment_or_answer(app, open_page, viewport, lang):
    process = load_demo(utcnow())
    survey_id = process_survey(process).id
    proposal_id = get_by_slug("demo").proposals.first().id
    register_citizen(name="Enlace de la Gobernación", email="gobernacion@example.co", password=PASSWORD,
                     department_code="76", accepted_terms=True, role="institution", email_confirmed=True,
                     institution="Gobernación del Valle del Cauca", institution_department="76")
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page
    tab.goto("/auth/login", "login")
    page.get_by_label(tr("Correo electrónico")).fill("gobernacion@example.co")
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    expect(page.get_by_role("button", name=tr("Cerrar sesión"))).to_be_visible()

    tab.goto(f"/proposals/{proposal_id}", "proposal")
    expect(page.locator("#institution-note")).to_have_text(tr(NOTE))
    expect(page.get_by_role("button", name=tr("Votar por esta propuesta"))).to_have_count(0)
    expect(page.get_by_role("button", name=tr("Publicar comentario"))).to_have_count(0)

    tab.goto(f"/surveys/{survey_id}", "survey")
    expect(page.locator("#institution-note")).to_have_text(tr(NOTE))
    expect(page.get_by_role("button", name=tr("Guardar mis respuestas"))).to_have_count(0)
    tab.assert_clean()
