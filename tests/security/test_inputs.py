"""Cases 4, 7 and 18: extra form fields, hostile query parameters, malformed and oversized input.

Every answer is a 4xx or a normal page, never a 500; hostile values are never reflected raw
and nothing is stored.
"""
import pytest
from sqlalchemy import select

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.extensions import db
from aga_consulta.voting.models import Vote
from tests.helpers import PASSWORD, count, login
from tests.security.support import table_counts

REGISTER = {"name": "Ana Campo", "email": "ana@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
            "department": "76", "accept_terms": "y"}


class TestExtraFormFieldsAreIgnored:
    """Fields a form does not declare are ignored, whatever their name."""

    def test_register_ignores_role_id_status_and_the_rest(self, client, factory):
        someone = factory.user()
        data = dict(REGISTER, role="admin", user_id="4242", id="4242", status="active", active="0",
                    hidden="1", session_token="a" * 40, email_confirmed_at="2020-01-01", is_moderator="1",
                    citizen_id=str(someone.id), consultation_id="1")
        response = client.post("/auth/register", data=data)
        assert response.status_code == 302
        user = db.session.scalar(select(User).where(User.email == "ana@example.co"))
        assert user.role == "citizen" and user.active
        assert user.id != 4242 and user.session_token != "a" * 40
        assert user.email_confirmed_at is None
        assert client.get("/moderation/log").status_code == 403

    def test_vote_is_the_current_citizens_on_the_proposal_of_the_url(self, client, factory):
        here = factory.consultation()
        other = factory.consultation()
        proposal = factory.proposal(here)
        elsewhere = factory.proposal(other)
        ana, bea = factory.user(), factory.user()
        login(client, ana.email)

        response = client.post(f"/proposals/{proposal.id}/vote", data={
            "user_id": str(bea.id), "citizen_id": str(bea.id), "proposal_id": str(elsewhere.id),
            "consultation_id": str(other.id), "status": "withdrawn", "withdrawn_at": "2020-01-01", "role": "admin",
        })

        assert response.status_code == 303
        vote = db.session.scalar(select(Vote))
        assert (vote.user_id, vote.proposal_id, vote.consultation_id) == (ana.id, proposal.id, here.id)
        assert vote.withdrawn_at is None
        assert count(Vote) == 1

    def test_comment_and_report_ignore_author_status_and_targets(self, client, factory):
        here = factory.consultation()
        proposal = factory.proposal(here)
        elsewhere = factory.proposal(factory.consultation())
        ana, bea = factory.user(), factory.user()
        login(client, ana.email)

        response = client.post(f"/proposals/{proposal.id}/comments", data={
            "body": "Comentario con campos de más", "user_id": str(bea.id), "citizen_id": str(bea.id),
            "status": "hidden", "hidden": "1", "proposal_id": str(elsewhere.id),
            "consultation_id": str(elsewhere.consultation_id), "moderation_reason": "x", "role": "moderator",
        })
        assert response.status_code == 303
        comment = db.session.scalar(select(Comment))
        assert (comment.user_id, comment.proposal_id, comment.consultation_id) == (ana.id, proposal.id, here.id)
        assert comment.status == "published" and comment.moderation_reason is None

        login(client2 := client.application.test_client(), bea.email)
        response = client2.post(f"/comments/{comment.id}/report", data={
            "reason": "Reporte con extras", "user_id": str(ana.id), "comment_id": "999", "hidden": "1",
            "status": "hidden",
        })
        assert response.status_code == 303
        report = db.session.scalar(select(CommentReport))
        assert (report.user_id, report.comment_id) == (bea.id, comment.id)
        db.session.refresh(comment)
        assert comment.status == "published"
        assert count(CommentReport) == 1 and count(Comment) == 1


HOSTILE_VALUES = (
    "<script>alert(1)</script>",
    "votes; DROP TABLE users; --",
    "' OR '1'='1",
    "id desc",
    "-1",
    "0",
    str(2**70),
    "1e9",
    "%ff",
    "ñ" * 3000,
)


def _assert_refused_or_ignored(response, value, where):
    assert response.status_code in (200, 400, 404), (where, response.status_code)
    html = response.get_data(as_text=True)
    if "<" in value:
        assert value not in html, where
    if value == "ñ" * 3000:
        assert value not in html, where


class TestHostileQueryParameters:
    @pytest.mark.parametrize("param", ["sort", "scope", "department", "theme", "page", "per_page", "order", "q"])
    def test_consultation_page(self, client, factory, param):
        consultation = factory.consultation(slug="plan")
        factory.proposal(consultation, theme="agua")
        factory.proposal(consultation, scope="subnational", department="05")
        before = table_counts()
        for value in HOSTILE_VALUES:
            response = client.get("/consultations/plan", query_string={param: value})
            _assert_refused_or_ignored(response, value, (param, value))
        assert table_counts() == before

    def test_refused_values_are_400_and_valid_ones_still_work(self, client, factory):
        consultation = factory.consultation(slug="plan")
        factory.proposal(consultation, title="Agua potable")
        assert client.get("/consultations/plan?sort=votes;DROP TABLE users").status_code == 400
        assert client.get("/consultations/plan?page=-1").status_code == 400
        assert client.get("/consultations/plan?scope=<script>").status_code == 400
        assert client.get("/consultations/plan?per_page=1000000000").status_code == 200  # unknown: ignored
        ok = client.get("/consultations/plan?sort=recent&scope=national")
        assert ok.status_code == 200 and "Agua potable" in ok.get_data(as_text=True)
        assert count(User) == 0  # the table is still there

    @pytest.mark.parametrize("path, params", [
        ("/moderation/comments", ("state", "page", "per_page", "sort")),
        ("/moderation/log", ("action", "actor", "date_from", "date_to", "page", "per_page", "sort")),
    ])
    def test_moderation_pages(self, app, factory, path, params):
        factory.consultation(slug="plan")
        moderator = factory.user(role="moderator")
        client = app.test_client()
        login(client, moderator.email)
        before = table_counts()
        for param in params:
            for value in HOSTILE_VALUES:
                _assert_refused_or_ignored(client.get(path, query_string={param: value}), value, (path, param, value))
        assert client.get(path, query_string={"page": "2"}).status_code == 404
        assert table_counts() == before

    def test_moderation_dashboard(self, app, factory):
        consultation = factory.consultation(slug="plan")
        factory.proposal(consultation)
        client = app.test_client()
        login(client, factory.user(role="moderator").email)
        before = table_counts()
        for param in ("consultation", "scope", "department", "theme", "status", "sort", "order", "per_page"):
            for value in HOSTILE_VALUES:
                response = client.get("/moderation/", query_string={"consultation": "plan", param: value})
                _assert_refused_or_ignored(response, value, (param, value))
        assert table_counts() == before


class TestMalformedInput:
    def test_a_10_mb_body_is_413_everywhere(self, app, client, factory):
        proposal = factory.proposal(factory.consultation(slug="plan"))
        moderator = factory.user(role="moderator")
        big = "x" * (10 * 1024 * 1024)
        before = table_counts()
        assert client.post("/auth/register", data=dict(REGISTER, name=big)).status_code == 413
        login(client, moderator.email)
        for url, data in ((f"/proposals/{proposal.id}/comments", {"body": big}),
                          ("/auth/login", {"email": "a@b.co", "password": big})):
            response = client.post(url, data=data)
            assert response.status_code == 413, url
            assert "demasiado grande" in response.get_data(as_text=True)
        raw = client.post("/moderation/consultations/plan/import", data=big.encode(), content_type="text/csv")
        assert raw.status_code == 413
        from io import BytesIO
        upload = client.post("/moderation/consultations/plan/import",
                             data={"file": (BytesIO(b"code,title\n" + b"a" * (10 * 1024 * 1024)), "big.csv")},
                             content_type="multipart/form-data")
        assert upload.status_code == 413
        assert table_counts() == before

    def test_nul_bytes_in_form_fields_and_paths_are_400(self, app, client, factory):
        proposal = factory.proposal(factory.consultation(slug="plan"))
        author = factory.user()
        comment = Comment(proposal_id=proposal.id, consultation_id=proposal.consultation_id, user_id=author.id, body="Hola")
        db.session.add(comment)
        db.session.commit()
        citizen, moderator_user = factory.user(), factory.user(role="moderator")
        before = table_counts()
        assert client.post("/auth/register", data=dict(REGISTER, name="Ana\x00Campo")).status_code == 400
        assert client.post("/auth/login", data={"email": "a\x00@b.co", "password": PASSWORD}).status_code == 400
        assert client.get("/consultations/pl%00an").status_code == 400
        assert client.get("/proposals/1%00").status_code in (400, 404)
        assert client.get("/consultations/plan?theme=a%00b").status_code == 400
        login(client, citizen.email)
        assert client.post(f"/proposals/{proposal.id}/comments", data={"body": "Hola\x00mundo"}).status_code == 400
        assert client.post(f"/comments/{comment.id}/report", data={"reason": "mal\x00o"}).status_code == 400
        moderator = app.test_client()
        login(moderator, moderator_user.email)
        assert moderator.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Motivo\x00 nulo"}).status_code == 400
        assert moderator.post(f"/moderation/proposals/{proposal.id}/status",
                              data={"status": "shortlisted", "reason": "Motivo\x00 nulo"}).status_code == 400
        assert table_counts() == before

    def test_malformed_utf8_and_percent_encodings_are_4xx(self, client, factory):
        factory.proposal(factory.consultation(slug="plan"))
        before = table_counts()
        for url in ("/consultations/%ff%fe", "/consultations/%c3%28", "/consultations/plan?sort=%ff",
                    "/consultations/plan?scope=%c3%28", "/consultations/%", "/consultations/plan?page=%",
                    "/proposals/%ff", "/%e2%82"):
            status = client.get(url).status_code
            assert 400 <= status < 500, (url, status)
        for body in (b"email=%ff%fe&password=%c3%28", b"email=%&password=%%", b"\xff\xfe\xfd=\xc3\x28"):
            response = client.post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
            assert response.status_code == 400, body
        response = client.post("/auth/register", data=b"--x\r\nbroken", content_type="multipart/form-data; boundary=x")
        assert response.status_code == 400
        assert table_counts() == before

    @pytest.mark.parametrize("object_id", [str(2**70), str(2**31), "99999999999999999999999999"])
    def test_huge_ids_are_404_for_every_role(self, app, client, factory, object_id):
        factory.consultation(slug="plan")
        admin = app.test_client()
        login(admin, factory.user(role="admin").email)
        login(client, factory.user().email)
        before = table_counts()
        for who, url, method in (
            (client, f"/proposals/{object_id}", "GET"),
            (client, f"/proposals/{object_id}/vote", "POST"),
            (client, f"/proposals/{object_id}/comments", "POST"),
            (client, f"/comments/{object_id}/report", "POST"),
            (admin, f"/moderation/proposals/{object_id}", "GET"),
            (admin, f"/moderation/proposals/{object_id}/status", "POST"),
            (admin, f"/moderation/proposals/{object_id}/edit", "GET"),
            (admin, f"/moderation/comments/{object_id}/hide", "POST"),
            (admin, f"/moderation/comments/{object_id}/restore", "POST"),
            (admin, f"/moderation/roles/{object_id}/revoke", "POST"),
        ):
            response = who.open(url, method=method, data={"reason": "Motivo suficiente", "status": "shortlisted",
                                                          "body": "Comentario"})
            assert response.status_code == 404, (url, response.status_code)
        assert table_counts() == before

    def test_negative_and_non_numeric_ids_are_404(self, client, factory):
        login(client, factory.user().email)
        for url in ("/proposals/-1", "/proposals/abc", "/proposals/1.5", "/proposals/0x10", "/comments/-3/report"):
            method = "POST" if url.endswith("report") else "GET"
            assert client.open(url, method=method).status_code == 404, url

    def test_wrong_methods_are_405_with_allow(self, client, factory):
        proposal = factory.proposal(factory.consultation(slug="plan"))
        before = table_counts()
        for url, method in ((f"/proposals/{proposal.id}/vote", "GET"), (f"/proposals/{proposal.id}/unvote", "GET"),
                            ("/auth/logout", "GET"), ("/auth/login", "PUT"), ("/auth/login", "DELETE"),
                            (f"/proposals/{proposal.id}", "POST"), ("/consultations/plan", "PATCH"),
                            ("/moderation/comments/1/hide", "GET"), ("/language", "GET")):
            response = client.open(url, method=method)
            assert response.status_code == 405, (url, method, response.status_code)
            assert "Allow" in response.headers
            assert "Método no permitido" in response.get_data(as_text=True)
        assert table_counts() == before
