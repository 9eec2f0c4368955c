"""Cases 16 and 17, and the export side of cases 6 and 8: CSV injection, moderator-only
exports, and nothing hidden or personal leaking through open data.

Written against the HTTP contract (/consultations/<slug>/export/<name>.csv and
/moderation/consultations/<slug>/export/<name>.csv).
"""
import csv
import io

import pytest

from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from tests.helpers import count, login
from tests.security.support import XSS_PAYLOADS, fetch as _fetch

PUBLIC = ("proposals", "summary", "participation_by_department")
MODERATOR = ("proposals", "votes", "comments", "participants", "summary", "participation_by_department")
FORMULAS = ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR", '=HYPERLINK("http://evil.example","x")')
ROUND_TRIP = 'Dijo "hola", y luego\notra línea; con; puntos'


def fetch(client, url):
    """(status, body bytes) of a streamed download."""
    response, body = _fetch(client, url)
    return response.status_code, body


def _rows(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def _comment(proposal, author, body, status="published"):
    comment = Comment(proposal_id=proposal.id, consultation_id=proposal.consultation_id, user_id=author.id,
                      body=body, status=status)
    db.session.add(comment)
    db.session.commit()
    return comment


@pytest.fixture
def world(app, factory):
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation, code="F-1", title="=1+1")
    quiet = factory.proposal(consultation, code="F-2", title="Sin comentarios públicos")
    author = factory.user(name="Autora Secreta", email="autora.secreta@example.co")
    # Stored raw (as an older version or an import could have): the exporter must neutralise
    # whatever is in the database, not rely on input cleaning.
    for body in FORMULAS + (ROUND_TRIP,) + tuple(XSS_PAYLOADS):
        _comment(proposal, author, body)
    _comment(quiet, author, "Texto oculto que no debe salir", status="hidden")
    moderator = app.test_client()
    login(moderator, factory.user(role="moderator").email)
    return {"proposal": proposal, "quiet": quiet, "author": author, "moderator": moderator}


class TestCsvFormulaInjection:
    def test_formula_cells_are_neutralised_and_quotes_and_newlines_round_trip(self, world):
        status, body = fetch(world["moderator"], "/moderation/consultations/plan/export/comments.csv")
        assert status == 200
        rows = _rows(body)
        bodies = [row[rows[0].index("body")] for row in rows[1:]]
        for formula in FORMULAS:
            assert "'" + formula in bodies, formula
            assert formula not in bodies, formula
        assert ROUND_TRIP in bodies
        for payload in XSS_PAYLOADS:
            assert payload in bodies  # text in a text/csv attachment: stored as typed, never rendered

    def test_proposal_titles_are_neutralised_in_public_and_moderator_exports(self, app, world):
        for client, url in ((app.test_client(), "/consultations/plan/export/proposals.csv"),
                            (world["moderator"], "/moderation/consultations/plan/export/proposals.csv")):
            status, body = fetch(client, url)
            assert status == 200
            rows = _rows(body)
            titles = [row[rows[0].index("title")] for row in rows[1:]]
            assert "'=1+1" in titles and "=1+1" not in titles
            for row in rows[1:]:
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (url, cell)


class TestModeratorExports:
    @pytest.mark.parametrize("name", MODERATOR)
    def test_anonymous_and_citizens_are_refused(self, app, factory, world, name):
        url = f"/moderation/consultations/plan/export/{name}.csv"
        status, body = fetch(app.test_client(), url)
        assert status in (302, 403)
        assert not body.startswith(b"participant") and b"Texto oculto" not in body
        citizen = app.test_client()
        login(citizen, factory.user().email)
        status, body = fetch(citizen, url)
        assert status == 403 and b"Texto oculto" not in body
        assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0

    @pytest.mark.parametrize("name", MODERATOR)
    def test_moderators_get_an_uncached_attachment(self, world, name):
        response, _body = _fetch(world["moderator"], f"/moderation/consultations/plan/export/{name}.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_an_export_link_is_dead_after_logout(self, app, world):
        moderator = world["moderator"]
        url = "/moderation/consultations/plan/export/votes.csv"
        assert fetch(moderator, url)[0] == 200
        captured = moderator.get_cookie("session").value
        moderator.post("/auth/logout")
        replay = app.test_client()
        replay.set_cookie("session", captured)
        assert fetch(replay, url)[0] == 302
        assert fetch(moderator, url)[0] == 302

    def test_moderator_only_exports_do_not_exist_publicly(self, app, world):
        for name in ("votes", "comments", "participants", "nope", "..%2Fsecret"):
            assert fetch(app.test_client(), f"/consultations/plan/export/{name}.csv")[0] == 404, name


class TestHiddenCommentsAndPrivacyInOpenData:
    def test_public_exports_hold_no_hidden_comment_no_name_no_email(self, app, world):
        client = app.test_client()
        for name in PUBLIC:
            status, body = fetch(client, f"/consultations/plan/export/{name}.csv")
            assert status == 200, name
            text = body.decode("utf-8")
            assert "Texto oculto" not in text
            assert "Autora Secreta" not in text and "autora.secreta@example.co" not in text
        rows = _rows(fetch(client, "/consultations/plan/export/proposals.csv")[1])
        comments_by_code = {row[0]: row[rows[0].index("comments")] for row in rows[1:]}
        # The hidden comment does not count; the visible ones do.
        assert comments_by_code["F-2"] == "0"
        assert comments_by_code["F-1"] == str(len(FORMULAS) + 1 + len(XSS_PAYLOADS))
