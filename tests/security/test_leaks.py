"""Case 8: a hidden comment is absent from every public page and public count (the public
exports are checked in test_exports.py); withdrawn votes count nowhere.
"""
import pytest

from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.voting import services as voting
from tests.helpers import JSON, login

SECRET = "Texto del comentario oculto 7c1f"


@pytest.fixture
def world(app, factory):
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation, title="Propuesta con oculto")
    author, reader = factory.user(), factory.user()
    visible = Comment(proposal_id=proposal.id, consultation_id=consultation.id, user_id=author.id, body="Comentario visible")
    db.session.add(visible)
    db.session.flush()
    for body, parent in ((SECRET, None), (SECRET + " respuesta", visible.id)):
        db.session.add(Comment(proposal_id=proposal.id, consultation_id=consultation.id, user_id=author.id, body=body,
                               parent_id=parent, status="hidden", moderation_reason="Motivo interno 9b2e"))
    db.session.commit()
    withdrawn_by = factory.user()
    voting.cast_vote(withdrawn_by, proposal)
    voting.withdraw_vote(withdrawn_by, proposal)
    signed_in = app.test_client()
    login(signed_in, reader.email)
    return {"proposal": proposal, "visitors": {"anonymous": app.test_client(), "another citizen": signed_in}}


def test_hidden_comments_are_absent_from_every_public_page_and_count(app, world):
    proposal = world["proposal"]
    urls = ["/", "/consultations/plan", "/consultations/plan?sort=recent", f"/proposals/{proposal.id}",
            "/consultations/plan/decisions", "/consultations/plan/results", "/me"]
    for who, client in world["visitors"].items():
        for url in urls:
            response = client.get(url)
            if url == "/me" and who == "anonymous":
                assert response.status_code == 302
                continue
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (who, url)
            assert SECRET not in html and "Motivo interno 9b2e" not in html, (who, url)
        page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
        assert "Comentarios (1)" in page and "0 votos" in page, who
        listing = client.get("/consultations/plan").get_data(as_text=True)
        assert "1 comentario" in listing and "2 comentarios" not in listing and "0 votos" in listing, who


def test_hidden_comments_cannot_be_reached_through_another_door(app, world):
    client = world["visitors"]["another citizen"]
    hidden_ids = [c.id for c in db.session.query(Comment).filter(Comment.status == "hidden")]
    proposal_id = world["proposal"].id
    for comment_id in hidden_ids:
        # Reporting it would confirm it exists; replying to it would surface it.
        assert client.post(f"/comments/{comment_id}/report", data={"reason": "¿existe?"}).status_code == 404
        reply = client.post(f"/proposals/{proposal_id}/comments", data={"body": "Respondo", "parent_id": str(comment_id)},
                            headers=JSON)
        assert reply.status_code == 400 and SECRET not in reply.get_data(as_text=True)
        page = client.get(f"/proposals/{proposal_id}?reply_to={comment_id}").get_data(as_text=True)
        assert SECRET not in page and f'value="{comment_id}"' not in page
    assert db.session.query(Comment).count() == 3


def test_the_moderator_sees_them_marked(app, factory, world):
    moderator = app.test_client()
    login(moderator, factory.user(role="moderator").email)
    page = moderator.get(f"/proposals/{world['proposal'].id}").get_data(as_text=True)
    assert SECRET in page and "Comentario oculto para el público" in page
