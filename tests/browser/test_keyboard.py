"""Keyboard only: log in, vote and comment with Tab, Shift+Tab, Enter and Space, never a click.

At every step the focused element must show a visible focus indicator and be on screen, so
this proves both the focus order and that a keyboard user can see where they are.
"""
import pytest
from sqlalchemy import select

from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.voting.models import Vote
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

# What a person sees of the focused element, and whether its focus indicator shows.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : "",
    focusVisible: el.matches(":focus-visible"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
              && box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""


class Keyboard:
    """Moves the focus with Tab / Shift+Tab and checks every element it lands on."""

    def __init__(self, page):
        self.page = page

    def focused(self):
        """The focused element, after checking its focus indicator is visible and on screen."""
        info = self.page.evaluate(_FOCUSED)
        assert info is not None, "the focus left the page's controls"
        assert info["focusVisible"] and info["outline"], f"no visible focus indicator on {info}"
        assert info["onScreen"], f"the focused element is off screen: {info}"
        return info

    def tab_to(self, wanted, backwards=False, limit=60):
        """Press Tab (Shift+Tab) until the focused element's text or label is `wanted`."""
        seen = []
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            info = self.focused()
            seen.append(info["label"] or info["text"])
            if wanted in (info["text"], info["label"]):
                return info
        raise AssertionError(f"{wanted!r} never got the focus; focus order: {seen}")


@pytest.mark.parametrize("viewport, lang", [("desktop", "es"), ("phone", "en")])
def test_vote_and_comment_with_the_keyboard_only(app, factory, open_page, viewport, lang):
    consultation = factory.consultation(slug="plan-v", title="Consulta del V Plan de Acción")
    proposal = factory.proposal(consultation, code="S-76", title="Presupuestos participativos en Cali",
                                scope="subnational", department="76", theme="participacion")
    citizen = factory.user(name="Lucía Gómez", email="lucia@example.co")
    proposal_id, citizen_id = proposal.id, citizen.id
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page
    keys = Keyboard(page)

    # The first Tab reaches the skip link, which shows itself.
    tab.goto("/auth/login", "login")
    skip = keys.tab_to(tr("Saltar al contenido"))
    assert skip["tag"] == "a"
    keys.tab_to(tr("Correo electrónico"))
    page.keyboard.type("lucia@example.co")
    keys.tab_to(tr("Contraseña"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=tr("Cerrar sesión"))).to_be_visible()

    # To the consultation, then the proposal, by links.
    keys.tab_to(consultation.title)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(consultation.title)
    keys.tab_to(proposal.title)  # the card links its title; the code sits above it
    page.keyboard.press("Enter")
    votes = page.locator("#vote-heading")
    expect(votes).to_have_text(tr.n("%(num)d voto", "%(num)d votos", 0))

    # Vote with Space.
    keys.tab_to(tr("Votar por esta propuesta"))
    page.keyboard.press(" ")
    expect(votes).to_have_text(tr.n("%(num)d voto", "%(num)d votos", 1))
    tab.check("voted")

    # Write a comment, step back to check the order (Shift+Tab reaches the withdraw
    # button), come back and publish it with Enter.
    comment = "Escrito solo con el teclado: que publiquen las actas de cada barrio."
    keys.tab_to(tr("Tu comentario"))
    page.keyboard.type(comment)
    keys.tab_to(tr("Retirar mi voto"), backwards=True)
    keys.tab_to(tr("Tu comentario"))
    keys.tab_to(tr("Publicar comentario"))
    page.keyboard.press("Enter")
    expect(page.locator(".comment-body", has_text=comment)).to_be_visible()
    tab.check("commented")

    db.session.rollback()
    active = db.session.scalars(select(Vote).where(Vote.user_id == citizen_id, Vote.withdrawn_at.is_(None))).all()
    assert [v.proposal_id for v in active] == [proposal_id]
    bodies = db.session.scalars(select(Comment.body).where(Comment.user_id == citizen_id)).all()
    assert bodies == [comment]
    tab.assert_clean()
