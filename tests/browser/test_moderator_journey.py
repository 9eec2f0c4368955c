"""A moderator's journey in Chromium, at a desktop and a phone viewport, in Spanish and English.

The moderator is created with the command line, logs in, opens the dashboard, shortlists a
proposal, selects it with a reason (then finds the reason on the public proposal page and
the public decisions log), hides a reported comment, and downloads a CSV export that must
parse. Every page is screenshotted and checked with axe-core (WCAG 2.1 A/AA).
"""
import csv
import re

import pytest
from sqlalchemy import select

from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.extensions import db
from aga_consulta.proposals.models import StatusDecision
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

SHORTLIST_REASON = "Cumple los criterios de viabilidad y tiene apoyo de tres municipios."
SELECT_REASON = "Seleccionada por su impacto en la participación de los barrios de Cali."
HIDE_REASON = "Incluye datos personales de un tercero."
ABUSIVE = "El concejal Pérez vive en la calle 5 # 12-34, vayan a buscarlo."


def create_moderator(runner, email):
    """A moderator account, made as an operator would: `flask users create --role moderator`."""
    result = runner.invoke(
        args=["users", "create", "--email", email, "--name", "Marta Rojas", "--role", "moderator", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_moderator_journey(app, factory, runner, open_page, viewport, lang):
    consultation = factory.consultation(slug="plan-v", title="Consulta del V Plan de Acción")
    factory.proposal(consultation, code="N-01", title="Datos abiertos de contratación", theme="transparencia")
    valle = factory.proposal(consultation, code="S-76", title="Presupuestos participativos en Cali",
                             scope="subnational", department="76", theme="participacion")
    author, reporter = factory.user(name="Ana Pérez"), factory.user(name="Beto Ríos")
    abusive = add_comment(author, valle, ABUSIVE)
    report_comment(reporter, abusive, "Publica la dirección de una persona.")
    valle_id, abusive_id = valle.id, abusive.id
    email = f"marta.{viewport}.{lang}@example.co"
    create_moderator(runner, email)
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page

    # Log in.
    tab.goto("/", "home")
    page.get_by_role("link", name=tr("Iniciar sesión"), exact=True).click()
    page.get_by_label(tr("Correo electrónico")).fill(email)
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()

    # The dashboard.
    page.get_by_role("link", name=tr("Moderación")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Panel de moderación"))
    table = page.get_by_role("table", name=tr.n("%(num)d propuesta", "%(num)d propuestas", 2))
    expect(table.get_by_role("row")).to_have_count(3)
    tab.check("dashboard")

    # Shortlist, then select with a reason.
    table.get_by_role("link", name="S-76").click()
    status_line = page.locator(".status-line")
    expect(status_line).to_contain_text(tr("Recibida"))
    tab.check("moderate-proposal")
    page.get_by_label(tr("Nuevo estado")).select_option("shortlisted")
    page.get_by_label(re.compile("^" + re.escape(tr("Motivo")))).fill(SHORTLIST_REASON)
    page.get_by_role("button", name=tr("Cambiar estado")).click()
    expect(status_line).to_contain_text(tr("Preseleccionada"))
    tab.check("shortlisted")
    page.get_by_label(tr("Nuevo estado")).select_option("selected")
    page.get_by_label(re.compile("^" + re.escape(tr("Motivo")))).fill(SELECT_REASON)
    page.get_by_role("button", name=tr("Cambiar estado")).click()
    expect(status_line).to_contain_text(tr("Seleccionada"))
    expect(page.locator(".status-reason")).to_contain_text(SELECT_REASON)
    tab.check("selected")

    # The public proposal page and the public decisions log show the decision.
    page.get_by_role("link", name=tr("Página pública")).click()
    expect(page.locator(".status-line")).to_contain_text(tr("Seleccionada"))
    expect(page.locator(".status-reason")).to_contain_text(SELECT_REASON)
    tab.check("public-proposal")
    page.get_by_role("link", name=consultation.title).first.click()
    page.get_by_role("link", name=tr("Registro de decisiones del comité")).click()
    decisions = page.locator("ol.decisions > li")
    expect(decisions).to_have_count(2)
    expect(page.locator(".decision-reason", has_text=SHORTLIST_REASON)).to_be_visible()
    expect(page.locator(".decision-reason", has_text=SELECT_REASON)).to_be_visible()
    tab.check("decisions")

    # Hide the reported comment.
    page.get_by_role("link", name=tr("Moderación")).click()
    page.get_by_role("navigation", name=tr("Menú de moderación")).get_by_role("link", name=tr("Comentarios reportados")).click()
    item = page.locator(f"#comment-{abusive_id}")
    expect(item.locator(".comment-body")).to_have_text(ABUSIVE)
    tab.check("comment-queue")
    item.get_by_label(tr("Motivo para ocultarlo (lo verá la persona autora)")).fill(HIDE_REASON)
    item.get_by_role("button", name=tr("Ocultar")).click()
    expect(page.locator(".flash").first).to_be_visible()
    tab.check("comment-hidden")

    # What the browser did is what the database holds.
    db.session.rollback()
    comment = db.session.get(Comment, abusive_id)
    assert (comment.status, comment.moderation_reason) == ("hidden", HIDE_REASON)
    decisions_rows = db.session.scalars(
        select(StatusDecision).where(StatusDecision.proposal_id == valle_id).order_by(StatusDecision.id)
    ).all()
    assert [(d.to_status, d.reason) for d in decisions_rows] == [
        ("shortlisted", SHORTLIST_REASON), ("selected", SELECT_REASON)
    ]

    # A visitor no longer sees the hidden comment.
    visitor = open_page(viewport=viewport, lang=lang, label="visitor")
    visitor.goto(f"/proposals/{valle_id}", "visitor-proposal")
    expect(visitor.page.locator("#comments-heading")).to_be_visible()
    assert ABUSIVE not in visitor.page.content()

    # Download a CSV export from the dashboard and parse it.
    page.get_by_role("link", name=tr("Moderación")).click()
    link = page.locator('a[href$="/moderation/consultations/plan-v/export/proposals.csv"]')
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"N-01", "S-76"}
    assert (by_code["S-76"]["status"], by_code["S-76"]["status_reason"]) == ("selected", SELECT_REASON)
    assert by_code["N-01"]["status"] == "received"
    # The moderators' file counts every comment received, the hidden one included.
    assert by_code["S-76"]["comments"] == "1"
    tab.assert_clean()
