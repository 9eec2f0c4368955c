"""Issue 11, finding 5: a thread whose comment is hidden is hidden whole.

The probe replied with `parent_id` set to the published reply of a hidden comment: the reply
was stored under the hidden comment, and the page then said "Comentarios (2)" above
"Todavía no hay comentarios" while the public CSV counted 2. A reply inside a hidden thread is
refused, and a published reply under a hidden comment is public nowhere: the page, its count,
the listing, the tally and the public exports agree; the moderators' export keeps it all.
"""
import csv
import io

import pytest
from sqlalchemy import select

from aga_consulta.comments import services as comments
from aga_consulta.comments.models import Comment
from aga_consulta.comments.moderation import hide_comment
from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.tally.services import compute_tally
from tests.helpers import JSON, REASON, login
from tests.security.support import fetch, table_counts

REFUSAL = "Solo puedes responder a un comentario visible de esta propuesta."
HIDDEN_TEXT = "Comentario que el equipo ocultó 5d1a"
ORPHAN_TEXT = "Respuesta publicada antes de ocultarlo 5d1a"


def _rows(body):
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


@pytest.fixture
def world(app, factory, moderator):
    """F-1: a hidden comment with a reply published before it was hidden. F-2: a visible thread."""
    consultation = factory.consultation(slug="plan")
    hidden_thread = factory.proposal(consultation, code="F-1", title="Hilo oculto")
    open_thread = factory.proposal(consultation, code="F-2", title="Hilo visible")
    author, replier, prober = factory.user(), factory.user(), factory.user()
    top = comments.add_comment(author, hidden_thread, HIDDEN_TEXT)
    reply = comments.add_comment(replier, hidden_thread, ORPHAN_TEXT, parent=top)
    hide_comment(moderator, top, REASON)
    visible = comments.add_comment(author, open_thread, "Comentario visible")
    comments.add_comment(replier, open_thread, "Respuesta visible", parent=visible)
    return {"consultation": consultation, "hidden_thread": hidden_thread, "open_thread": open_thread,
            "top": top, "reply": reply, "prober": prober}


def test_a_reply_inside_a_hidden_thread_is_refused_and_nothing_is_stored(app, client, world):
    proposal, reply = world["hidden_thread"], world["reply"]
    before = table_counts()
    with pytest.raises(ValidationFailed) as refused:
        comments.add_comment(world["prober"], proposal, "Respondo al hilo oculto", parent=reply)
    assert str(refused.value.message) == REFUSAL
    db.session.rollback()

    login(client, world["prober"].email)
    data = {"body": "Respondo al hilo oculto", "parent_id": str(reply.id)}
    answer = client.post(f"/proposals/{proposal.id}/comments", data=data, headers=JSON)
    assert answer.status_code == 400 and answer.get_json()["error"] == REFUSAL
    refused = client.post(f"/proposals/{proposal.id}/comments", data=data)
    assert refused.status_code == 303
    assert refused.headers["Location"].startswith(f"/proposals/{proposal.id}")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert REFUSAL in page and HIDDEN_TEXT not in page and ORPHAN_TEXT not in page
    assert table_counts() == before
    # The same reply to the hidden comment itself, and a reply to the visible thread, still behave.
    data["parent_id"] = str(world["top"].id)
    assert client.post(f"/proposals/{proposal.id}/comments", data=data, headers=JSON).status_code == 400
    assert table_counts() == before


def test_page_count_listing_tally_and_public_csv_agree_on_a_hidden_thread(app, world, factory):
    hidden_thread, open_thread = world["hidden_thread"], world["open_thread"]
    visitors = {"anonymous": app.test_client(), "another citizen": app.test_client()}
    login(visitors["another citizen"], factory.user().email)
    for who, client in visitors.items():
        page = client.get(f"/proposals/{hidden_thread.id}").get_data(as_text=True)
        assert "Comentarios (0)" in page and "Todavía no hay comentarios" in page, who
        assert HIDDEN_TEXT not in page and ORPHAN_TEXT not in page, who
        assert "Comentarios (2)" in client.get(f"/proposals/{open_thread.id}").get_data(as_text=True), who
        listing = client.get("/consultations/plan").get_data(as_text=True)
        assert "0 comentarios" in listing and "2 comentarios" in listing, who

    tally = compute_tally(world["consultation"])
    assert tally["comments"] == {"received": 4, "published": 2, "hidden": 2}
    ranking = {row["code"]: row["comments"] for row in tally["ranking"]}
    assert ranking == {"F-1": 0, "F-2": 2}

    public = app.test_client()
    _, body = fetch(public, "/consultations/plan/export/proposals.csv")
    assert {row["code"]: row["comments"] for row in _rows(body)} == {"F-1": "0", "F-2": "2"}
    _, body = fetch(public, "/consultations/plan/export/summary.csv")
    summary = {row["metric"]: row["value"] for row in _rows(body)}
    assert (summary["comments_received"], summary["comments_published"], summary["comments_hidden"]) == ("4", "2", "2")
    for name in ("proposals", "summary", "participation_by_department"):
        text = fetch(public, f"/consultations/plan/export/{name}.csv")[1].decode("utf-8")
        assert HIDDEN_TEXT not in text and ORPHAN_TEXT not in text, name


def test_the_moderators_export_keeps_the_whole_thread(app, world, moderator):
    client = app.test_client()
    login(client, moderator.email)
    _, body = fetch(client, "/moderation/consultations/plan/export/comments.csv")
    rows = {row["body"]: row for row in _rows(body)}
    assert rows[HIDDEN_TEXT]["status"] == "hidden"
    assert rows[ORPHAN_TEXT]["status"] == "published"
    assert rows[ORPHAN_TEXT]["parent_id"] == str(world["top"].id)
    _, body = fetch(client, "/moderation/consultations/plan/export/proposals.csv")
    assert {row["code"]: row["comments"] for row in _rows(body)} == {"F-1": "2", "F-2": "2"}
    # The moderator's page shows the thread, marked hidden.
    page = client.get(f"/proposals/{world['hidden_thread'].id}").get_data(as_text=True)
    assert HIDDEN_TEXT in page and ORPHAN_TEXT in page and "Comentario oculto para el público" in page


def test_the_sql_rule_and_the_python_rule_of_visibility_are_one(world):
    db.session.expire_all()
    for comment in db.session.scalars(select(Comment)):
        in_sql = db.session.scalar(select(Comment.is_visible).where(Comment.id == comment.id))
        assert bool(in_sql) == comment.is_visible, comment.body
    assert {c.body for c in db.session.scalars(select(Comment).where(Comment.is_visible))} == {
        "Comentario visible", "Respuesta visible"}
