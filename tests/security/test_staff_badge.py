"""Issue 11, finding 8 (the badge): staff comments carry a badge that a citizen cannot copy.

The probe found that a moderator's comment looked like anyone's, so a citizen named like the
staff could pass for them. A moderator's or admin's comment now carries a text badge (readable
without colour, in both languages), given by the account's role, never by its name.
"""
import re

import pytest

from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from tests.helpers import login

BADGE = re.compile(r'<span class="badge badge-staff">([^<]*)</span>')


@pytest.fixture
def page(app, factory):
    proposal = factory.proposal(factory.consultation(slug="plan"))
    writers = {
        "moderator": factory.user(role="moderator", name="Mora"),
        "admin": factory.user(role="admin", name="Ada"),
        "citizen": factory.user(name="Ciro"),
        "impostor": factory.user(),
    }
    # Stored directly, as an account older than the reserved-name rule could be named: the
    # badge must not come from the name whatever the name rules let through.
    writers["impostor"].name = "Equipo moderador"
    db.session.commit()
    for who, user in writers.items():
        add_comment(user, proposal, f"Comentario de {who}")
    return f"/proposals/{proposal.id}"


def _badges(html):
    """The badge of each comment on the page, by its body."""
    found = {}
    for article in re.findall(r'<article class="comment[^"]*".*?</article>', html, re.DOTALL):
        body = re.search(r"Comentario de (\w+)", article).group(1)
        found[body] = BADGE.findall(article)
    return found


@pytest.mark.parametrize("language, moderator, admin", [("es", "Equipo moderador", "Administración"),
                                                         ("en", "Moderation team", "Administrator")])
def test_staff_comments_carry_a_text_badge_that_a_name_cannot_give(app, factory, page, language, moderator, admin):
    visitors = {"anonymous": app.test_client(), "citizen": app.test_client()}
    login(visitors["citizen"], factory.user().email)
    for who, client in visitors.items():
        html = client.get(page, headers={"Accept-Language": language}).get_data(as_text=True)
        assert _badges(html) == {"moderator": [moderator], "admin": [admin], "citizen": [], "impostor": []}, who
