"""Case 6: script and HTML payloads in names, comments, report reasons, moderation reasons and
CSV imports are inert on every page that shows them, moderator screens included; the CSP
forbids inline script.

Everything is entered through the real forms (the same path an attacker takes), then every
page that renders it is read as the public, the author and the staff see it.
"""
import csv
import io
import re

import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from tests.helpers import PASSWORD, login
from tests.security.support import XSS_PAYLOADS, assert_inert

PAYLOAD = " ".join(XSS_PAYLOADS)  # 98 characters: fits a name, a reason and a comment


def _register(client, email, name=PAYLOAD):
    response = client.post("/auth/register", data={
        "name": name, "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
        "department": "11", "accept_terms": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(User).where(User.email == email))


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "title", "scope", "department_code", "municipality", "theme", "proposer", "summary", "body"])
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def world(app, factory):
    """Payloads everywhere, each entered through its form."""
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation, title="Propuesta atacada")

    author_client, reporter_client, moderator_client = (app.test_client() for _ in range(3))
    author = _register(author_client, "autora@example.co")
    _register(reporter_client, "reporta@example.co")
    moderator = factory.user(role="admin", email="mod@example.co", name=PAYLOAD[:120])
    login(moderator_client, moderator.email)

    for body in (PAYLOAD, "Segundo: " + PAYLOAD):
        assert author_client.post(f"/proposals/{proposal.id}/comments", data={"body": body}).status_code == 303
    shown, hidden = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    for comment in (shown, hidden):
        assert reporter_client.post(f"/comments/{comment.id}/report", data={"reason": PAYLOAD}).status_code == 303

    def moderate(url, **data):
        response = moderator_client.post(url, data=data)
        assert response.status_code == 303, (url, response.get_data(as_text=True)[:2000])

    moderate(f"/moderation/comments/{shown.id}/hide", reason="Oculto: " + PAYLOAD)
    moderate(f"/moderation/comments/{shown.id}/restore", reason="Restaurado: " + PAYLOAD)
    moderate(f"/moderation/comments/{hidden.id}/hide", reason="Oculto: " + PAYLOAD)
    moderate(f"/moderation/proposals/{proposal.id}/status", status="shortlisted", reason="Preseleccionada: " + PAYLOAD)
    moderate("/moderation/roles", email="reporta@example.co", role="moderator", reason=PAYLOAD)

    upload = _csv([
        ["XSS-1", PAYLOAD, "national", "", "", "Tema " + XSS_PAYLOADS[0], PAYLOAD, PAYLOAD, PAYLOAD],
        ["XSS-2", "Sub " + PAYLOAD, "subnational", "05", PAYLOAD, "agua", XSS_PAYLOADS[3], "r", "c"],
    ])
    response = moderator_client.post("/moderation/consultations/plan/import",
                                     data={"file": (io.BytesIO(upload), XSS_PAYLOADS[1] + ".csv")},
                                     content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    imported = db.session.scalar(select(Proposal).where(Proposal.code == "XSS-1"))
    return {"proposal": proposal, "imported": imported, "shown": shown, "hidden": hidden, "author": author_client,
            "moderator": moderator_client, "reporter": reporter_client}


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    return response.get_data(as_text=True)


def test_public_pages_show_payloads_escaped(app, world):
    visitor = app.test_client()
    proposal, imported = world["proposal"], world["imported"]
    for url in (f"/proposals/{proposal.id}", f"/proposals/{imported.id}", "/consultations/plan",
                "/consultations/plan/decisions", "/consultations/plan?sort=recent"):
        html = _page(visitor, url)
        assert_inert(html, expect_escaped=XSS_PAYLOADS[:3])
        # Not even the site's own inline: its scripts are static files or none.
        assert not re.search(r'<script(?![^>]*\ssrc="/static/js/)', html)


def test_the_authors_pages_show_payloads_escaped(world):
    author, proposal = world["author"], world["proposal"]
    for url in ("/me", f"/proposals/{proposal.id}", f"/proposals/{proposal.id}?reply_to={world['shown'].id}"):
        assert_inert(_page(author, url), expect_escaped=XSS_PAYLOADS[:3])


def test_moderator_screens_show_payloads_escaped(world):
    moderator, proposal, imported = world["moderator"], world["proposal"], world["imported"]
    # The pending queue is empty by now (every report was reviewed): inert is all it can show.
    assert_inert(_page(moderator, "/moderation/comments"))
    for url in ("/moderation/comments?state=all", "/moderation/log",
                "/moderation/log?action=comment.hide", f"/moderation/proposals/{proposal.id}",
                f"/moderation/proposals/{imported.id}", f"/moderation/proposals/{imported.id}/edit",
                "/moderation/roles", f"/proposals/{proposal.id}"):
        assert_inert(_page(moderator, url), expect_escaped=XSS_PAYLOADS[:3])


def test_dashboard_shows_payloads_escaped(world):
    html = _page(world["moderator"], "/moderation/?consultation=plan")
    assert_inert(html, expect_escaped=XSS_PAYLOADS[:3])


def test_results_page_shows_payloads_escaped(app, world):
    assert_inert(_page(app.test_client(), "/consultations/plan/results"), expect_escaped=XSS_PAYLOADS[:3])


def test_a_rejected_import_reports_hostile_cells_escaped(world):
    bad = _csv([[XSS_PAYLOADS[0], "", "national", "", "", "", "", "", ""],
                ["OK-1", XSS_PAYLOADS[2], "planetary", "", "", "", "", "", ""]])
    response = world["moderator"].post("/moderation/consultations/plan/import",
                                       data={"file": (io.BytesIO(bad), XSS_PAYLOADS[1] + ".csv")},
                                       content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert_inert(html, expect_escaped=[XSS_PAYLOADS[0]])


def test_a_rejected_form_echoes_payloads_escaped(app, factory):
    client = app.test_client()
    response = client.post("/auth/register", data={"name": PAYLOAD, "email": XSS_PAYLOADS[2], "password": "corta",
                                                   "password_confirm": "otra", "department": XSS_PAYLOADS[1]})
    assert response.status_code == 400
    assert_inert(response.get_data(as_text=True), expect_escaped=[XSS_PAYLOADS[0], XSS_PAYLOADS[2]])
    login(client, factory.user().email)
    proposal = factory.proposal(factory.consultation())
    # A refused comment goes back (303) to the page, which shows the draft beside its error.
    response = client.post(f"/proposals/{proposal.id}/comments", data={"body": PAYLOAD + "x" * 1910},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "entre 3 y 2000 caracteres" in html
    assert_inert(html, expect_escaped=[XSS_PAYLOADS[0]])
