"""The plan tracker, a commitment's page and the progress form pass every journey's checks (axe WCAG 2.1
A and AA, the screen's width, no browser error), and the lead institution reports progress through them."""
from datetime import date, timedelta

import pytest

from aga_consulta.plan import commitments, reports
from aga_consulta.plan.models import ProgressReport
from aga_consulta.processes.services import create_process
from aga_consulta.timeutil import utcnow
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD, count
from tests.plan.conftest import KINDS, MILESTONES, institution_account, template

pytestmark = pytest.mark.browser


def published_plan(factory, moderator):
    consultation = factory.consultation(slug="consulta-navegador", state="closed")
    start = utcnow() - timedelta(days=90)
    process = create_process(slug="plan-navegador", title="Plan de prueba", steps=[
        {"kind": kind, "opens_at": start + timedelta(days=10 * n), "closes_at": start + timedelta(days=10 * (n + 1)),
         "consultation": consultation if kind in ("consultation", "selection") else None}
        for n, kind in enumerate(KINDS)])
    plan = commitments.publish_plan(moderator, process.id, title="Plan de prueba 2025-2026", starts_on=date(2025, 1, 1),
                                    ends_on=date(2026, 12, 31))
    commitment = commitments.add_commitment(moderator, plan, template(), MILESTONES)
    made = reports.submit_report(moderator, commitment, reported_on="2025-09-30", completion="limited",
                                 milestone_states={m.id: "in_progress" for m in commitment.milestones},
                                 narrative="Inventario publicado en el portal.", links=["https://datos.gov.co/a"])
    reports.publish_report(moderator, made, made.version)
    return commitment.id


@pytest.mark.parametrize("viewport, lang", [("desktop", "es"), ("phone", "en")])
def test_plan_pages_and_the_progress_form(app, factory, open_page, viewport, lang):
    moderator = factory.user(role="moderator")
    commitment_id = published_plan(factory, moderator)
    mintic = institution_account("Ministerio de las TIC")
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page

    tab.goto("/processes/plan-navegador/plan", "plan")
    page.get_by_label(tr("Alcance")).select_option("national")
    page.get_by_role("button", name=tr("Filtrar")).click()
    tab.check("plan-filtered")
    tab.goto("/processes/plan-navegador/plan/report", "report")
    tab.goto(f"/commitments/{commitment_id}", "commitment")

    tab.goto("/auth/login", "login")
    page.get_by_label(tr("Correo electrónico")).fill(mintic.email)
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    tab.goto(f"/commitments/{commitment_id}/progress", "progress")
    page.get_by_label(tr("Fecha del reporte (avance a esa fecha)")).fill("2025-12-31")
    page.get_by_label(tr("Relato del avance")).fill("El portal publica datos cada mes.")
    page.get_by_role("button", name=tr("Enviar reporte")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    tab.check("progress-sent")
    assert count(ProgressReport) == 2


@pytest.mark.parametrize("viewport, lang", [("phone", "es"), ("desktop", "en")])
def test_the_moderators_plan_screens(app, factory, open_page, viewport, lang):
    moderator = factory.user(role="moderator", email="mora@example.co")
    commitment_id = published_plan(factory, moderator)
    mintic = institution_account("Ministerio de las TIC")
    reports.submit_report(mintic, commitments.get_commitment(commitment_id), reported_on="2025-12-31",
                          completion="substantial",
                           milestone_states={m.id: "complete" for m in commitments.get_commitment(commitment_id).milestones},
                           narrative="Portal publicado con datos mensuales.", links=[])
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page
    tab.goto("/auth/login", "login")
    page.get_by_label(tr("Correo electrónico")).fill("mora@example.co")
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    tab.goto("/moderation/plan/", "moderation-plan")
    page.get_by_role("button", name=tr("Publicar")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    tab.check("report-published")
    tab.goto(f"/moderation/plan/commitments/{commitment_id}", "edit-commitment")
    tab.goto("/processes/plan-navegador/plan", "plan-as-moderator")
    assert count(ProgressReport) == 2
