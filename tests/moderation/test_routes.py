"""Moderator flows through the HTML forms."""
import io
import re
from datetime import datetime

import pytest

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.consultations.models import Consultation
from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.proposals.models import StatusDecision
from aga_consulta.proposals.models import Proposal
from tests.helpers import PASSWORD, count, csrf_token, login

REASON = "Cumple los criterios del comité"
XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>', '"><svg onload=alert(3)>']


@pytest.fixture
def moderator(client, factory):
    user = factory.user(email="mod@example.co", role="moderator", name="Mora Moderadora")
    login(client, "mod@example.co")
    return user


def fresh(model, object_id):
    """Read the row as stored now (requests run in their own sessions)."""
    db.session.expire_all()
    return db.session.get(model, object_id)


def html(response):
    return response.get_data(as_text=True)


def assert_inert(page):
    """No payload survives as markup; each appears escaped."""
    for payload in XSS:
        assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class TestStatus:
    def test_change_with_reason_is_public(self, client, factory, moderator):
        proposal = factory.proposal(factory.consultation(slug="plan"))
        page = html(client.get(f"/moderation/proposals/{proposal.id}"))
        assert 'value="shortlisted"' in page and 'value="selected"' not in page  # only allowed steps offered
        response = client.post(f"/moderation/proposals/{proposal.id}/status", data={"status": "shortlisted", "reason": REASON})
        assert response.status_code == 303
        public = html(client.get(f"/proposals/{proposal.id}"))
        assert "Preseleccionada" in public and REASON in public
        decisions = html(client.get("/consultations/plan/decisions"))
        assert REASON in decisions and "Preseleccionada" in decisions
        assert "Moderación" in decisions and "Mora Moderadora" not in decisions
        assert "/consultations/plan/decisions" in html(client.get("/consultations/plan"))

    def test_refused_transition_redirects_to_the_page_with_message_and_nothing_stored(self, client, factory, moderator):
        proposal = factory.proposal(factory.consultation(), code="SN-9")
        response = client.post(f"/moderation/proposals/{proposal.id}/status", data={"status": "selected", "reason": REASON})
        # Post/Redirect/Get: back to the proposal's page, never left on the POST's URL.
        assert response.status_code == 303
        assert response.headers["Location"] == f"/moderation/proposals/{proposal.id}#status-heading"
        page = html(client.get(response.headers["Location"]))
        assert "no está permitido" in page and "SN-9" in page
        assert REASON in page  # what was typed comes back
        assert count(StatusDecision) == 0 and count(AuditLogEntry) == 0

    @pytest.mark.parametrize("data", [
        {"status": "shortlisted"}, {"status": "shortlisted", "reason": "  "}, {"status": "shortlisted", "reason": "ab"},
        {"status": "approved", "reason": REASON}, {"reason": REASON},
    ])
    def test_bad_form_redirects_with_its_errors_and_changes_nothing(self, client, factory, moderator, data):
        proposal = factory.proposal(factory.consultation())
        response = client.post(f"/moderation/proposals/{proposal.id}/status", data=data)
        assert response.status_code == 303
        assert response.headers["Location"] == f"/moderation/proposals/{proposal.id}#status-heading"
        page = html(client.get(response.headers["Location"]))
        assert 'aria-invalid="true"' in page and page.count("autofocus") == 1
        # The errors are shown once: reloading the page shows a clean form.
        assert 'aria-invalid="true"' not in html(client.get(f"/moderation/proposals/{proposal.id}"))
        assert fresh(Proposal, proposal.id).status == "received"
        assert count(StatusDecision) == 0 and count(AuditLogEntry) == 0

    def test_extra_fields_are_ignored(self, client, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        other = factory.user(email="otra@example.co")
        response = client.post(f"/moderation/proposals/{proposal.id}/status", data={
            "status": "shortlisted", "reason": REASON, "actor_id": str(other.id), "actor_role": "system",
            "status_reason": "inyectado", "created_at": "2000-01-01", "role": "admin", "user_id": str(other.id),
        })
        assert response.status_code == 303
        decision = db.session.scalar(db.select(StatusDecision))
        assert decision.actor_id == moderator.id and decision.actor_role == "moderator"
        assert decision.created_at.year > 2000
        assert fresh(Proposal, proposal.id).status_reason == REASON
        assert fresh(User, other.id).role == "citizen"

    def test_unknown_and_huge_ids_are_404(self, client, moderator):
        for proposal_id in ("999", "99999999999"):
            assert client.get(f"/moderation/proposals/{proposal_id}").status_code == 404
            assert client.post(f"/moderation/proposals/{proposal_id}/status", data={"status": "shortlisted", "reason": REASON}).status_code == 404


class TestBulk:
    def test_bulk_change_through_the_dashboard_form(self, client, factory, moderator):
        consultation = factory.consultation(slug="plan")
        chosen = [factory.proposal(consultation) for _ in range(3)]
        untouched = factory.proposal(consultation)
        page = html(client.get("/moderation/?consultation=plan"))
        assert 'name="proposal_ids"' in page
        response = client.post("/moderation/consultations/plan/status?sort=code", data={
            "proposal_ids": [str(p.id) for p in chosen], "status": "shortlisted", "reason": REASON})
        assert response.status_code == 303 and "sort=code" in response.headers["Location"]
        db.session.expire_all()
        assert {fresh(Proposal, p.id).status for p in chosen} == {"shortlisted"}
        assert fresh(Proposal, untouched.id).status == "received"

    def test_bulk_is_all_or_nothing(self, client, factory, moderator):
        consultation = factory.consultation(slug="plan")
        ready = factory.proposal(consultation, code="LISTA")
        new = factory.proposal(consultation, code="NUEVA")
        client.post(f"/moderation/proposals/{ready.id}/status", data={"status": "shortlisted", "reason": REASON})
        response = client.post("/moderation/consultations/plan/status", data={
            "proposal_ids": [str(ready.id), str(new.id)], "status": "selected", "reason": REASON})
        assert response.status_code == 303
        assert response.headers["Location"] == "/moderation/?consultation=plan#bulk"
        page = html(client.get(response.headers["Location"]))
        # The selection and the reason come back where they were made.
        assert f'value="{ready.id}" id="pick-{ready.id}" checked' in page and f'value="{new.id}" id="pick-{new.id}" checked' in page
        assert REASON in page
        assert "No se cambió ninguna propuesta: el paso a «Seleccionada» no está permitido para NUEVA (Recibida)." in page
        assert fresh(Proposal, ready.id).status == "shortlisted"
        assert count(StatusDecision) == 1

    def test_bulk_refuses_proposals_of_another_consultation(self, client, factory, moderator):
        factory.consultation(slug="plan")
        foreign = factory.proposal(factory.consultation(slug="otra"))
        response = client.post("/moderation/consultations/plan/status", data={
            "proposal_ids": [str(foreign.id)], "status": "shortlisted", "reason": REASON})
        assert response.status_code == 303
        assert "no se cambió ninguna propuesta" in html(client.get(response.headers["Location"]))
        assert count(StatusDecision) == 0

    def test_hostile_dashboard_query_values_are_400(self, client, factory, moderator):
        factory.consultation(slug="plan")
        for query in ("sort=votes;drop", "order=sideways", "scope=<script>", "status=approved", "department=99",
                      "theme=nada"):
            assert client.get(f"/moderation/?consultation=plan&{query}").status_code == 400, query
        assert client.get("/moderation/?consultation=no-existe").status_code == 404


class TestComments:
    @pytest.fixture
    def reported(self, factory):
        author = factory.user(email="autora@example.co", name="Autora")
        proposal = factory.proposal(factory.consultation(slug="plan"))
        comment = add_comment(author, proposal, "Texto que molesta")
        for _ in range(3):
            report_comment(factory.reporter(name="Reportante <b>x</b>"), comment, "Es ofensivo <script>alert(1)</script>")
        return comment

    def test_queue_shows_auto_hidden_pending_review_with_reports(self, client, reported, moderator):
        page = html(client.get("/moderation/comments"))
        assert "pendiente de revisión" in page and "Texto que molesta" in page
        assert page.count("Es ofensivo") == 3
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
        assert "Reportante &lt;b&gt;x&lt;/b&gt;" in page

    def test_restore_then_hide_the_author_sees_why(self, client, reported, moderator):
        response = client.post(f"/moderation/comments/{reported.id}/restore", data={"reason": "Crítica legítima"})
        assert response.status_code == 303
        assert fresh(Comment, reported.id).status == "published"
        assert "No hay comentarios por revisar" in html(client.get("/moderation/comments"))
        response = client.post(f"/moderation/comments/{reported.id}/hide", data={"reason": "Insulta a otra persona"})
        assert response.status_code == 303
        client.post("/auth/logout")
        public = html(client.get(f"/proposals/{reported.proposal_id}"))
        assert "Texto que molesta" not in public
        login(client, "autora@example.co")
        for url in (f"/proposals/{reported.proposal_id}", "/me"):
            page = html(client.get(url))
            assert "Texto que molesta" in page and "Insulta a otra persona" in page, url
        actions = [e.action for e in db.session.scalars(db.select(AuditLogEntry).order_by(AuditLogEntry.id))]
        assert actions == ["comment.auto_hide", "comment.restore", "comment.hide"]

    @pytest.mark.parametrize("reason", ["", "  ", "no"])
    def test_restore_without_reason_comes_back_with_the_error_beside_the_field(self, client, reported, moderator, reason):
        response = client.post(f"/moderation/comments/{reported.id}/restore", data={"reason": reason})
        assert response.status_code == 303
        assert response.headers["Location"] == f"/moderation/comments#restore-{reported.id}-reason"
        page = html(client.get(response.headers["Location"]))
        assert f'<p class="error" id="restore-{reported.id}-error">' in page
        assert re.search(rf'<textarea id="restore-{reported.id}-reason"[^>]*aria-invalid="true"[^>]*autofocus>{reason}</textarea>', page)
        assert fresh(Comment, reported.id).status == "hidden"
        assert count(AuditLogEntry) == 1  # only the system's auto-hide

    def test_hiding_twice_is_409(self, client, factory, moderator):
        comment = add_comment(factory.user(), factory.proposal(factory.consultation()), "Comentario")
        assert client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Spam"}).status_code == 303
        response = client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Spam"})
        assert response.status_code == 303 and "ya está oculto" in html(client.get(response.headers["Location"]))
        assert client.post("/moderation/comments/424242/hide", data={"reason": "Spam"}).status_code == 404

    def test_queue_query_values_are_validated(self, client, moderator):
        assert client.get("/moderation/comments?state=everything").status_code == 400
        assert client.get("/moderation/comments?page=-1").status_code == 400
        assert client.get("/moderation/comments?page=7").status_code == 404


class TestImport:
    HEADER = "code,title,scope,department_code,municipality,theme,proposer,summary,body\n"

    def upload(self, client, text, name="propuestas.csv"):
        data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
        return client.post("/moderation/consultations/plan/import", data=data, content_type="multipart/form-data")

    def test_good_file(self, client, factory, moderator):
        factory.consultation(slug="plan")
        response = self.upload(client, self.HEADER + "N-1,Primera,national,,,,Entidad,Resumen,Cuerpo\n"
                                                     "SN-1,Segunda,subnational,76,Cali,Agua,Entidad,Resumen,Cuerpo\n")
        assert response.status_code == 303
        assert count(Proposal) == 2

    def test_bad_file_imports_nothing_and_names_bad_rows(self, client, factory, moderator):
        factory.consultation(slug="plan")
        response = self.upload(client, self.HEADER + "N-1,Primera,national,,,,,,\n"
                                                     "N-2,Sin alcance,,,,,,,\n"
                                                     "N-1,Repetida,national,,,,,,\n")
        assert response.status_code == 400
        page = html(response)
        assert "No se importó ninguna propuesta" in page
        assert re.search(r"<td>3</td>\s*<td>N-2</td>", page) and re.search(r"<td>4</td>\s*<td>N-1</td>", page)
        assert "se repite" in page and "alcance" in page
        assert count(Proposal) == 0 and count(AuditLogEntry) == 0

    def test_missing_file_is_400(self, client, factory, moderator):
        factory.consultation(slug="plan")
        response = client.post("/moderation/consultations/plan/import", data={}, content_type="multipart/form-data")
        assert response.status_code == 400 and "Elige un archivo" in html(response)

    def test_xss_in_csv_and_file_name_is_inert_everywhere(self, client, factory, moderator):
        consultation = factory.consultation(slug="plan")
        payload = " ".join(XSS)
        row = f'X-1,"{payload.replace(chr(34), chr(34) * 2)}",national,,,"{XSS[1]}","{XSS[2].replace(chr(34), chr(34) * 2)}",Resumen,"{XSS[0]}"\n'
        response = self.upload(client, self.HEADER + row, name='<img src=x onerror=alert(9)>.csv')
        assert response.status_code == 303
        proposal = db.session.scalar(db.select(Proposal))
        assert proposal.title == payload
        client.post(f"/moderation/proposals/{proposal.id}/status", data={"status": "shortlisted", "reason": payload})
        for url in ("/moderation/?consultation=plan", "/moderation/log", f"/moderation/proposals/{proposal.id}",
                    "/consultations/plan/decisions", f"/proposals/{proposal.id}", "/consultations/plan"):
            page = html(client.get(url))
            assert_inert(page)
            assert "<img src=x onerror=alert(9)>" not in page
        assert consultation.id == proposal.consultation_id


class TestConsultationAndProposalForms:
    def test_admin_creates_a_consultation_in_colombian_time(self, client, factory):
        factory.user(email="admin@example.co", role="admin")
        login(client, "admin@example.co")
        response = client.post("/moderation/consultations/new", data={
            "slug": "v-plan", "title": "V Plan", "description": "Texto", "opens_at": "2026-03-01T08:00",
            "closes_at": "2026-03-31T23:59", "vote_cap": "5"})
        assert response.status_code == 303
        consultation = db.session.scalar(db.select(Consultation))
        assert consultation.opens_at == datetime(2026, 3, 1, 13, 0) and consultation.vote_cap == 5
        form = html(client.get("/moderation/consultations/v-plan/edit"))
        assert 'value="2026-03-01T08:00"' in form  # shown back in local time

    def test_moderator_edits_and_bad_window_is_refused(self, client, factory, moderator):
        consultation = factory.consultation(slug="plan", vote_cap=3)
        data = {"title": "Título nuevo", "description": "", "opens_at": "2026-03-01T08:00", "closes_at": "2026-03-01T07:00",
                "vote_cap": ""}
        response = client.post("/moderation/consultations/plan/edit", data=data)
        assert response.status_code == 400 and "posterior" in html(response)
        assert fresh(Consultation, consultation.id).title == "Consulta de prueba"
        data["closes_at"] = "2026-04-01T08:00"
        assert client.post("/moderation/consultations/plan/edit", data=data).status_code == 303
        edited = fresh(Consultation, consultation.id)
        assert edited.title == "Título nuevo" and edited.vote_cap is None and edited.slug == "plan"

    def test_create_and_edit_a_proposal(self, client, factory, moderator):
        factory.consultation(slug="plan")
        data = {"code": "SN-40", "title": "Nueva propuesta", "scope": "subnational", "department_code": "05",
                "municipality": "Medellín", "theme": "Agua", "proposer": "Alcaldía", "summary": "R", "body": "C",
                "status": "selected"}
        response = client.post("/moderation/consultations/plan/proposals/new", data=data)
        assert response.status_code == 303
        proposal = db.session.scalar(db.select(Proposal))
        assert proposal.status == "received"  # the status field is not part of the form
        page = html(client.get(f"/moderation/proposals/{proposal.id}/edit"))
        assert 'value="Agua"' in page and 'value="SN-40"' in page
        response = client.post(f"/moderation/proposals/{proposal.id}/edit", data=dict(data, title="Título corregido"))
        assert response.status_code == 303
        assert fresh(Proposal, proposal.id).title == "Título corregido"
        bad = client.post(f"/moderation/proposals/{proposal.id}/edit", data=dict(data, scope="national"))
        assert bad.status_code == 400 and "nacional no lleva departamento" in html(bad)


class TestRoles:
    def test_admin_grants_and_revokes_from_the_page(self, client, factory):
        factory.user(email="admin@example.co", role="admin")
        person = factory.user(email="futura@example.co", name="Futura <b>Mod</b>")
        login(client, "admin@example.co")
        response = client.post("/moderation/roles", data={"email": "FUTURA@example.co", "role": "moderator", "reason": ""})
        assert response.status_code == 303
        assert fresh(User, person.id).role == "moderator"
        page = html(client.get("/moderation/roles"))
        assert "Futura &lt;b&gt;Mod&lt;/b&gt;" in page
        assert client.post(f"/moderation/roles/{person.id}/revoke").status_code == 303
        assert fresh(User, person.id).role == "citizen"
        missing = client.post("/moderation/roles", data={"email": "nadie@example.co", "role": "moderator"})
        assert missing.status_code == 400 and "No hay ninguna cuenta" in html(missing)

    def test_last_admin_cannot_demote_themselves(self, client, factory):
        admin = factory.user(email="admin@example.co", role="admin")
        login(client, "admin@example.co")
        response = client.post("/moderation/roles", data={"email": "admin@example.co", "role": "citizen"})
        assert response.status_code == 409 and "última persona administradora" in html(response)
        assert fresh(User, admin.id).role == "admin"


class TestLog:
    def test_filters_by_action_person_and_dates(self, client, factory, moderator):
        other = factory.user(email="otro@example.co", role="moderator", name="Otro Moderador")
        proposal = factory.proposal(factory.consultation())
        client.post(f"/moderation/proposals/{proposal.id}/status", data={"status": "shortlisted", "reason": "Primera decisión"})
        comment = add_comment(factory.user(), proposal, "Comentario")
        client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Motivo de ocultar"})
        client.post("/auth/logout")
        login(client, "otro@example.co")
        client.post(f"/moderation/proposals/{proposal.id}/status", data={"status": "selected", "reason": "Segunda decisión"})
        page = html(client.get("/moderation/log"))
        assert all(text in page for text in ("Primera decisión", "Motivo de ocultar", "Segunda decisión"))
        page = html(client.get("/moderation/log?action=comment.hide"))
        assert "Motivo de ocultar" in page and "Primera decisión" not in page
        page = html(client.get(f"/moderation/log?actor={other.id}"))
        assert "Segunda decisión" in page and "Primera decisión" not in page
        today = datetime.now().strftime("%Y-%m-%d")
        assert "3 acciones" in html(client.get("/moderation/log?date_from=2000-01-01"))
        assert "0 acciones" in html(client.get("/moderation/log?date_to=2000-01-01"))
        assert client.get(f"/moderation/log?date_from={today}&date_to=2000-01-01").status_code == 400

    @pytest.mark.parametrize("query", ["action=drop", "actor=999", "actor=<script>", "date_from=ayer",
                                       "page=0", "page=abc"])
    def test_hostile_values_are_400(self, client, moderator, query):
        response = client.get(f"/moderation/log?{query}")
        assert response.status_code == 400
        assert "<script>" not in html(response)

    def test_pagination(self, app, client, factory, moderator):
        from aga_consulta.audit import record

        for n in range(55):
            record(moderator, "proposal.update", "proposal", n + 1, target_label=f"P-{n}")
        db.session.commit()
        first = html(client.get("/moderation/log"))
        assert "Página 1 de 2" in first and "P-54" in first and "P-0<" not in first
        second = html(client.get("/moderation/log?page=2"))
        assert "P-0<" in second
        assert client.get("/moderation/log?page=3").status_code == 404


class TestCsrf:
    def test_moderation_post_without_token_is_400_and_with_token_works(self, csrf_app, factory):
        factory.user(email="mod@example.co", role="moderator")
        proposal = factory.proposal(factory.consultation())
        client = csrf_app.test_client()
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": "mod@example.co", "password": PASSWORD, "csrf_token": token})
        data = {"status": "shortlisted", "reason": REASON}
        assert client.post(f"/moderation/proposals/{proposal.id}/status", data=data).status_code == 400
        forged = client.post(f"/moderation/proposals/{proposal.id}/status", data=dict(data, csrf_token="forged"))
        assert forged.status_code == 400
        assert count(StatusDecision) == 0 and count(AuditLogEntry) == 0
        token = csrf_token(client, f"/moderation/proposals/{proposal.id}")
        response = client.post(f"/moderation/proposals/{proposal.id}/status", data=dict(data, csrf_token=token))
        assert response.status_code == 303
        assert count(StatusDecision) == 1

    def test_hide_without_token_is_400(self, csrf_app, factory):
        factory.user(email="mod@example.co", role="moderator")
        comment = add_comment(factory.user(), factory.proposal(factory.consultation()), "Comentario")
        client = csrf_app.test_client()
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": "mod@example.co", "password": PASSWORD, "csrf_token": token})
        assert client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Spam"}).status_code == 400
        assert fresh(Comment, comment.id).status == "published"


def test_moderation_pages_have_no_inline_script_or_style(client, factory):
    factory.user(email="admin@example.co", role="admin")
    proposal = factory.proposal(factory.consultation(slug="plan"))
    comment = add_comment(factory.user(), proposal, "Comentario")
    report_comment(factory.user(), comment, "Reporte")
    login(client, "admin@example.co")
    for url in ("/moderation/", "/moderation/comments", "/moderation/log", "/moderation/roles", f"/moderation/proposals/{proposal.id}",
                "/moderation/consultations/new", "/moderation/consultations/plan/edit", "/moderation/consultations/plan/import",
                "/moderation/consultations/plan/proposals/new", f"/moderation/proposals/{proposal.id}/edit",
                "/consultations/plan/decisions"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = html(response)
        # Scripts only as files of the site's own (the character counter), never inline.
        assert not re.search(r'<script(?![^>]*\ssrc="/static/js/)', page), url
        assert "style=" not in page and "onclick=" not in page, url
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
