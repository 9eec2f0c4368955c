"""Cases 5 and 9: object-level and role checks.

Reporting twice, hiding or restoring without the role, every /moderation route (found by
walking the URL map, never listed by hand) refused to citizens and anonymous visitors, and
no page showing one citizen's private data to another by changing an id.
"""
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.extensions import db
from aga_consulta.accounts import roles
from aga_consulta.errors import NotAllowed
from aga_consulta.comments import moderation as comment_moderation
from aga_consulta.consultations import services as consultations
from aga_consulta.moderation import queries
from aga_consulta.proposals import importing, workflow
from aga_consulta.proposals import services as proposals
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.voting import services as voting
from tests.helpers import JSON, count, login
from tests.security.support import table_counts


def _comment(proposal, author, body="Un comentario cualquiera", status="published"):
    comment = Comment(proposal_id=proposal.id, consultation_id=proposal.consultation_id, user_id=author.id,
                      body=body, status=status)
    db.session.add(comment)
    db.session.commit()
    return comment


class TestReportsAndModerationNeedTheRight:
    def test_reporting_twice_stores_one_report(self, client, factory):
        proposal = factory.proposal(factory.consultation())
        comment = _comment(proposal, factory.user())
        login(client, factory.user().email)

        first = client.post(f"/comments/{comment.id}/report", data={"reason": "Insultos"})
        second = client.post(f"/comments/{comment.id}/report", data={"reason": "Insultos otra vez"}, headers=JSON)

        assert first.status_code == 303
        assert second.status_code == 409
        assert "Ya habías reportado este comentario" in second.get_data(as_text=True)
        assert count(CommentReport) == 1

    def test_a_citizen_cannot_report_their_own_comment(self, client, factory):
        proposal = factory.proposal(factory.consultation())
        author = factory.user()
        comment = _comment(proposal, author)
        login(client, author.email)
        response = client.post(f"/comments/{comment.id}/report", data={"reason": "Me reporto"}, headers=JSON)
        assert response.status_code == 403
        assert count(CommentReport) == 0

    @pytest.mark.parametrize("action", ["hide", "restore"])
    def test_hiding_or_restoring_without_the_role_is_403_and_changes_nothing(self, client, factory, action):
        proposal = factory.proposal(factory.consultation())
        comment = _comment(proposal, factory.user(), status="hidden" if action == "restore" else "published")
        citizen = factory.user()
        login(client, citizen.email)
        before = table_counts()

        response = client.post(f"/moderation/comments/{comment.id}/{action}",
                               data={"reason": "Porque sí, sin rol", "role": "moderator"})

        assert response.status_code == 403
        assert table_counts() == before
        db.session.refresh(comment)
        assert comment.status == ("hidden" if action == "restore" else "published")
        assert comment.moderation_reason is None
        with pytest.raises(NotAllowed):
            getattr(comment_moderation, f"{action}_comment")(citizen, comment, "Motivo suficiente")
        assert count(AuditLogEntry) == 0


def _moderation_requests(app, values):
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/moderation"):
            continue
        url = rule.build({name: values(name, conv) for name, conv in rule._converters.items()}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, url))
    return found


class TestEveryModerationRouteRefusesOutsiders:
    """Every /moderation route and method, with real ids so that a missing check cannot hide behind a 404."""

    @pytest.fixture
    def world(self, factory):
        consultation = factory.consultation(slug="plan")
        proposal = factory.proposal(consultation)
        author = factory.user()
        comment = _comment(proposal, author)
        moderator = factory.user(role="moderator")
        ids = {"proposal_id": proposal.id, "comment_id": comment.id, "user_id": moderator.id}

        def values(name, converter):
            if isinstance(converter, IntegerConverter):
                return ids.get(name, 1)
            return {"slug": "plan", "name": "proposals"}.get(name, "plan")

        return values

    def test_citizens_get_403_and_anonymous_the_login_page_everywhere(self, app, factory, world):
        requests = _moderation_requests(app, world)
        assert len(requests) >= 15
        citizen = factory.user(email="ciudadana@example.co")
        data = {"reason": "Motivo suficiente", "status": "shortlisted", "email": citizen.email, "role": "admin",
                "title": "Nueva", "slug": "nueva", "code": "X-1", "scope": "national"}
        before = table_counts()
        anonymous = app.test_client()
        signed_in = app.test_client()
        login(signed_in, citizen.email)

        for rule, method, url in requests:
            response = anonymous.open(url, method=method, data=data)
            assert response.status_code == 302, (rule, method)
            assert urlsplit(response.headers["Location"]).path == "/auth/login", (rule, method)
            response = signed_in.open(url, method=method, data=data)
            assert response.status_code == 403, (rule, method)
            assert "Acceso denegado" in response.get_data(as_text=True)
            assert "Motivo suficiente" not in response.get_data(as_text=True)

        assert table_counts() == before
        db.session.refresh(citizen)
        assert citizen.role == "citizen"


class TestOtherPeoplesData:
    """Changing an id never shows another citizen's private data."""

    def test_me_shows_only_my_votes_and_comments(self, client, factory):
        proposal = factory.proposal(factory.consultation(), title="Propuesta común")
        ana, bea = factory.user(), factory.user()
        voting.cast_vote(ana, proposal)
        _comment(proposal, ana, body="Comentario privado de Ana oculto", status="hidden")
        login(client, bea.email)

        for url in ("/me", f"/me?user_id={ana.id}", f"/me?id={ana.id}"):
            html = client.get(url).get_data(as_text=True)
            assert "Comentario privado de Ana" not in html
            assert "Todavía no has votado" in html
        assert client.get(f"/me/{ana.id}").status_code == 404
        assert client.get(f"/users/{ana.id}").status_code == 404

    def test_anothers_hidden_comment_stays_hidden_whatever_the_query(self, client, factory):
        proposal = factory.proposal(factory.consultation())
        ana = factory.user()
        hidden = _comment(proposal, ana, body="Texto oculto de Ana", status="hidden")
        login(client, factory.user().email)

        for url in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}?reply_to={hidden.id}",
                    f"/proposals/{proposal.id}?user_id={ana.id}", f"/proposals/{proposal.id}?moderator=1"):
            assert "Texto oculto de Ana" not in client.get(url).get_data(as_text=True), url
        assert client.post(f"/comments/{hidden.id}/report", data={"reason": "Curiosidad"}).status_code == 404
        assert client.get(f"/moderation/comments?state=all").status_code == 403
