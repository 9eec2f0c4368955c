"""A citizen's whole journey in Chromium, at a desktop and a phone viewport, in Spanish and English.

Register, log out and back in, filter the practice consultation `demo` (as `flask seed
reference` loads it), vote, withdraw, vote again, comment, reply, report a comment, then find
it all on /me. Every page on the way is screenshotted and
checked with axe-core (WCAG 2.1 A/AA); the records the browser created are checked in the
database.
"""
import re

import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.comments.services import add_comment
from aga_consulta.consultations.services import get_by_slug
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from aga_consulta.seed.cocreation import DEMO_PROPOSALS, DEMO_SLUG, load_demo
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.models import Vote
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def build_consultation(factory):
    """The practice consultation (proposals of both scopes, one of them in Valle), with a neighbour's comment."""
    load_demo(utcnow())
    consultation = get_by_slug(DEMO_SLUG)
    by_code = {p.code: p for p in db.session.scalars(select(Proposal).where(Proposal.consultation_id == consultation.id))}
    national, valle, antioquia = by_code["N-1"], by_code["S-1"], by_code["S-2"]
    assert (valle.department_code, antioquia.department_code) == ("76", "05")
    neighbour = factory.user(name="Ana Pérez", email="ana@example.co")
    comment = add_comment(neighbour, valle, "Hace falta que los barrios decidan una parte del presupuesto.")
    return consultation, national, valle, antioquia, comment


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_citizen_journey(app, factory, open_page, viewport, lang):
    consultation, national, valle, antioquia, neighbour_comment = build_consultation(factory)
    valle_id, neighbour_comment_id = valle.id, neighbour_comment.id
    tr = translator(app, lang)
    # The English runs start in Spanish and use the language switch (a POST form).
    tab = open_page(viewport=viewport, lang="es")
    page = tab.page

    tab.goto("/", "home")
    if lang == "en":
        page.get_by_role("button", name="English").click()
        tab.lang = "en"
        expect(page.get_by_role("heading", level=1)).to_have_text(tr("Construyamos juntos el plan de acción de Estado Abierto"))
        tab.check("home-english")

    # Register.
    page.get_by_role("link", name=tr("Registrarse")).click()
    tab.check("register")
    email = f"lucia.{viewport}.{lang}@example.co"
    page.get_by_label(tr("Nombre completo")).fill("Lucía Gómez")
    page.get_by_label(tr("Correo electrónico")).fill(email)
    page.get_by_label(tr("Contraseña"), exact=True).fill(PASSWORD)
    page.get_by_label(tr("Repite la contraseña")).fill(PASSWORD)
    page.get_by_label(tr("Departamento de residencia")).select_option("76")
    page.get_by_label(tr("Nombre público")).fill("Lucía G.")
    # The consent's label links the policy and the terms: its name is not one plain msgid.
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=tr("Crear cuenta")).click()
    expect(page.locator(".flash-success")).to_contain_text("Lucía Gómez")
    tab.check("registered")

    # Log out, then log in again through the form.
    page.get_by_role("button", name=tr("Cerrar sesión")).click()
    page.get_by_role("link", name=tr("Iniciar sesión"), exact=True).click()
    tab.check("login")
    page.get_by_label(tr("Correo electrónico")).fill(email)
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()
    expect(page.get_by_role("button", name=tr("Cerrar sesión"))).to_be_visible()

    # Filter the consultation down to one proposal.
    page.get_by_role("link", name=consultation.title).click()
    expect(page.get_by_role("heading", level=2, name=tr.n("%(num)d propuesta", "%(num)d propuestas",
                                                          len(DEMO_PROPOSALS)))).to_be_visible()
    tab.check("consultation")
    # The filters fold under the search box (a <details>), so the list starts higher on a phone.
    page.get_by_text(tr("Filtrar y ordenar")).click()
    page.get_by_label(tr("Alcance")).select_option("subnational")
    page.get_by_label(tr("Departamento"), exact=True).select_option("76")
    page.get_by_label(tr("Tema")).select_option(valle.theme.slug)
    page.get_by_role("button", name=tr("Aplicar")).click()
    expect(page).to_have_url(re.compile(rf"scope=subnational.*department=76.*theme={re.escape(valle.theme.slug)}"))
    cards = page.locator(".proposal-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(valle.code)
    tab.check("filtered")

    # Vote, withdraw, vote again.
    cards.first.get_by_role("link").click()
    votes = page.locator("#vote-heading")
    expect(votes).to_have_text(tr.n("%(num)d voto", "%(num)d votos", 0))
    tab.check("proposal")
    page.get_by_role("button", name=tr("Votar por esta propuesta")).click()
    expect(votes).to_have_text(tr.n("%(num)d voto", "%(num)d votos", 1))
    tab.check("voted")
    page.get_by_role("button", name=tr("Retirar mi voto")).click()
    expect(votes).to_have_text(tr.n("%(num)d voto", "%(num)d votos", 0))
    tab.check("withdrawn")
    page.get_by_role("button", name=tr("Votar por esta propuesta")).click()
    expect(votes).to_have_text(tr.n("%(num)d voto", "%(num)d votos", 1))

    # Comment.
    my_comment = "Propongo publicar el avance cada trimestre, con cifras por comuna."
    page.get_by_label(tr("Tu comentario")).fill(my_comment)
    page.get_by_role("button", name=tr("Publicar comentario")).click()
    expect(page.locator(".comment-body", has_text=my_comment)).to_be_visible()
    tab.check("commented")

    # Reply to the neighbour's comment.
    neighbour = page.locator(f"ol.thread > li:has(#comment-{neighbour_comment_id})")
    neighbour.get_by_role("link", name=tr("Responder")).click()
    reply_box = page.get_by_label(tr("Tu respuesta a %(name)s", name="Ana P."))  # her public name
    expect(reply_box).to_be_visible()
    tab.check("reply-form")
    my_reply = "De acuerdo, y que las actas de cada barrio queden publicadas."
    reply_box.fill(my_reply)
    page.get_by_role("button", name=tr("Publicar respuesta")).click()
    expect(neighbour.locator(".replies .comment-body", has_text=my_reply)).to_be_visible()
    tab.check("replied")

    # Report the neighbour's comment.
    article = page.locator(f"#comment-{neighbour_comment_id}")
    article.locator("summary", has_text=tr("Reportar")).click()
    article.get_by_label(tr("Motivo del reporte")).fill("Creo que incluye datos personales de un vecino.")
    tab.check("report-form")
    article.get_by_role("button", name=tr("Enviar reporte")).click()
    expect(page.locator(f"#comment-{neighbour_comment_id}")).to_contain_text(tr("Reportaste este comentario."))
    tab.check("reported")

    # Everything on /me.
    page.get_by_role("link", name=tr("Mi participación")).click()
    expect(page.get_by_role("heading", level=2, name=re.compile(re.escape(tr("Mis votos")) + r" \(1\)"))).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=re.compile(re.escape(tr("Mis comentarios")) + r" \(2\)"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"\b{re.escape(valle.code)}\b"))).to_have_count(3)
    expect(page.locator(".comment-body", has_text=my_comment)).to_be_visible()
    expect(page.locator(".comment-body", has_text=my_reply)).to_be_visible()
    tab.check("me")

    # The consultation's results, where the vote counts.
    page.get_by_role("link", name=re.compile(rf"\b{re.escape(valle.code)}\b")).first.click()
    page.get_by_role("link", name=f"← {consultation.title}").click()
    page.get_by_role("link", name=tr("Ver resultados")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(valle.title)
    tab.check("results")

    # What the browser did is what the database holds.
    db.session.rollback()
    citizen = db.session.scalar(select(User).where(User.email == email))
    assert citizen.department_code == "76"
    votes_rows = db.session.scalars(select(Vote).where(Vote.user_id == citizen.id)).all()
    assert [(v.proposal_id, v.withdrawn_at is None) for v in sorted(votes_rows, key=lambda v: v.id)] == [
        (valle_id, False), (valle_id, True)
    ]
    comments = db.session.scalars(select(Comment).where(Comment.user_id == citizen.id).order_by(Comment.id)).all()
    assert [(c.body, c.parent_id) for c in comments] == [(my_comment, None), (my_reply, neighbour_comment_id)]
    reports = db.session.scalars(select(CommentReport).where(CommentReport.user_id == citizen.id)).all()
    assert [(r.comment_id, r.reason) for r in reports] == [
        (neighbour_comment_id, "Creo que incluye datos personales de un vecino.")
    ]
    tab.assert_clean()
