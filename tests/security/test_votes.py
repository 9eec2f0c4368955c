"""Votes and comments through HTTP: closed or missing targets, someone else's vote, a
deactivated account. The races (cases 1 and 2) are raced once per invariant on the service
(tests/voting/test_races.py) and once against a live gunicorn (tests/load/test_vote_races.py).
"""
from datetime import timedelta

import pytest

from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting import services as voting
from aga_consulta.voting.models import Vote
from aga_consulta.errors import NotAllowed
from tests.helpers import JSON, count, login
from tests.security.support import table_counts

ALREADY = "Ya habías votado por esta propuesta"
CLOSED = "La consulta no está abierta"


def _post(client, url, data=None):
    # As a script reads a refusal: its status (409, 403), not the 303 back to the page.
    response = client.post(url, data=data or {}, headers=JSON)
    return response.status_code, response.get_data(as_text=True)


class TestClosedConsultationsAndMissingTargets:
    """A closed, upcoming or missing target: refused, nothing stored."""

    @pytest.mark.parametrize("state", ["closed", "upcoming"])
    def test_vote_comment_and_report_outside_the_window_are_409(self, client, factory, state):
        consultation = factory.consultation(state=state)
        proposal = factory.proposal(consultation)
        author, citizen = factory.user(), factory.user()
        comment = Comment(proposal_id=proposal.id, consultation_id=consultation.id, user_id=author.id, body="Un comentario")
        db.session.add(comment)
        db.session.commit()
        login(client, citizen.email)
        before = table_counts()

        for url, data in ((f"/proposals/{proposal.id}/vote", {}),
                          (f"/proposals/{proposal.id}/comments", {"body": "Comentario tardío"}),
                          (f"/proposals/{proposal.id}/comments", {"body": "Respuesta tardía", "parent_id": str(comment.id)}),
                          (f"/comments/{comment.id}/report", {"reason": "Motivo del reporte"})):
            status, body = _post(client, url, data)
            assert status == 409, url
            assert CLOSED in body, url

        assert table_counts() == before

    def test_withdrawal_after_closing_is_409_and_keeps_the_vote(self, client, factory):
        consultation = factory.consultation()
        proposal = factory.proposal(consultation)
        citizen = factory.user()
        voting.cast_vote(citizen, proposal)
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        login(client, citizen.email)

        status, body = _post(client, f"/proposals/{proposal.id}/unvote")

        assert status == 409 and CLOSED in body
        assert count(Vote, Vote.withdrawn_at.is_(None)) == 1

    @pytest.mark.parametrize("proposal_id", ["999999", str(2**31), str(2**70), "0"])
    def test_missing_proposal_is_404(self, client, factory, proposal_id):
        factory.proposal(factory.consultation())
        login(client, factory.user().email)
        before = table_counts()
        for action, data in (("vote", {}), ("unvote", {}), ("comments", {"body": "Comentario huérfano"})):
            assert client.post(f"/proposals/{proposal_id}/{action}", data=data).status_code == 404, action
        assert client.post(f"/comments/{proposal_id}/report", data={"reason": "Motivo"}).status_code == 404
        assert table_counts() == before

    def test_reply_to_a_comment_of_another_proposal_or_consultation_is_refused(self, client, factory):
        here = factory.proposal(factory.consultation())
        elsewhere = factory.proposal(factory.consultation())
        author = factory.user()
        foreign = Comment(proposal_id=elsewhere.id, consultation_id=elsewhere.consultation_id, user_id=author.id,
                          body="En otra consulta")
        db.session.add(foreign)
        db.session.commit()
        login(client, factory.user().email)
        before = table_counts()

        for parent_id in (str(foreign.id), "999999", str(2**70), "-1", "abc"):
            response = client.post(f"/proposals/{here.id}/comments", data={"body": "Respuesta colada", "parent_id": parent_id},
                                   headers=JSON)
            assert response.status_code == 400, parent_id

        assert table_counts() == before
        assert count(Comment, Comment.proposal_id == here.id) == 0


class TestOtherPeoplesVotesAndDeactivatedAccounts:
    """The vote routes act on the current citizen only."""

    def test_withdrawing_someone_elses_vote_is_refused_and_their_vote_stays(self, client, factory):
        proposal = factory.proposal(factory.consultation())
        ana, bea = factory.user(), factory.user()
        voting.cast_vote(ana, proposal)
        login(client, bea.email)

        status, body = _post(client, f"/proposals/{proposal.id}/unvote",
                             {"user_id": str(ana.id), "citizen_id": str(ana.id)})

        assert status == 409
        assert "No tenías un voto activo" in body
        assert count(Vote, Vote.user_id == ana.id, Vote.withdrawn_at.is_(None)) == 1
        assert count(Vote) == 1

    def test_deactivated_account_cannot_vote_or_comment(self, app, client, factory):
        proposal = factory.proposal(factory.consultation())
        citizen = factory.user()
        login(client, citizen.email)
        citizen.active = False
        db.session.commit()
        before = table_counts()

        vote = client.post(f"/proposals/{proposal.id}/vote", headers=JSON)
        comment = client.post(f"/proposals/{proposal.id}/comments", data={"body": "Sigo aquí"}, headers=JSON)

        # Flask-Login treats the deactivated account as logged out: sent to the login page.
        assert vote.status_code == 302 and "/auth/login" in vote.headers["Location"]
        assert comment.status_code == 302 and "/auth/login" in comment.headers["Location"]
        assert login(app.test_client(), citizen.email).status_code == 400
        assert table_counts() == before
        with pytest.raises(NotAllowed):
            voting.cast_vote(citizen, proposal)
        assert count(Vote) == 0 and count(CommentReport) == 0
