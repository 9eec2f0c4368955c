"""The committee's pages: the public record, its CSV and files, and the moderators' screens."""
import csv
import io
from datetime import date

import pytest

from aga_consulta.committee import documents, meetings, members
from aga_consulta.committee.models import Document, Meeting, Member
from aga_consulta.extensions import db
from tests.committee.conftest import PDF, pdf_upload, stored_files
from tests.helpers import JSON, audit_entries, count, csrf_token, field_error, login


@pytest.fixture
def staff_client(client, moderator):
    login(client, moderator.email)
    return client


def _upload(content=PDF, filename="acta.pdf"):
    return (io.BytesIO(content), filename)


class TestPublicPage:
    def test_anyone_sees_members_meetings_minutes_documents_and_the_cadence(self, client, moderator, committee):
        meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento de compromisos",
                                minutes="Se aprobó el informe de avance.", attendee_ids=[committee["cs"].id],
                                civil_society_people=3, minutes_pdf=pdf_upload(filename="acta-2023.pdf"))
        documents.add_document(moderator, category="rules", title="Reglamento del comité", dated_on="2021-02-01",
                               link="https://example.gov.co/reglamento")
        response = client.get("/committee")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        for text in ("Secretaría de Transparencia", "Presidencia", "Corporación Ciudadanía Activa", "Sociedad civil",
                     "Seguimiento de compromisos", "Se aprobó el informe de avance.", "Acta en PDF: acta-2023.pdf",
                     "Reglamento del comité", 'href="https://example.gov.co/reglamento"', "Última reunión",
                     "Personas: 0 del gobierno, 3 de la sociedad civil, 0 otras."):
            assert text in html, text
        # The last meeting was in 2023: more than six months ago, and fewer than two with civil society.
        assert "han pasado más de seis meses desde la última reunión" in html
        assert "hubo 0 reuniones con la sociedad civil" in html
        assert "Reconstrucción de referencia" not in html

    def test_the_page_in_english(self, client, committee):
        html = client.get("/committee", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Open Government Committee" in html and "Government" in html and "Civil society" in html
        assert "the committee has no recorded meetings" in html

    def test_reconstructed_records_are_labelled(self, client, moderator):
        members.add_member(moderator, name="Ministerio TIC", sector="government", role="member",
                           joined_on="2020-01-01", is_reconstruction=True)
        html = client.get("/committee").get_data(as_text=True)
        assert "Reconstrucción de referencia." in html and "reconstrucción</span>" in html

    def test_a_recent_cadence_shows_no_warning(self, client, moderator, committee):
        today = date.today()
        for months in (1, 4):
            meetings.create_meeting(moderator, held_on=meetings.months_before(today, months), agenda="Seguimiento",
                                    attendee_ids=[committee["cs"].id])
        html = client.get("/committee").get_data(as_text=True)
        assert "cadence-warning" not in html and "El comité cumple la frecuencia" in html

    def test_the_minutes_pdf_is_an_attachment_never_sniffed(self, client, moderator, committee):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento",
                                          minutes_pdf=pdf_upload(filename="Acta marzo.pdf"))
        response = client.get(f"/committee/meetings/{meeting.id}/minutes.pdf")
        assert response.status_code == 200 and response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "Acta marzo.pdf" in response.headers["Content-Disposition"]

    def test_files_that_are_not_there_are_404(self, client, moderator, committee):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento")
        document = documents.add_document(moderator, category="rules", title="Reglamento", dated_on="2021-02-01",
                                          link="https://example.gov.co/r")
        assert client.get(f"/committee/meetings/{meeting.id}/minutes.pdf").status_code == 404
        assert client.get(f"/committee/documents/{document.id}.pdf").status_code == 404
        assert client.get("/committee/meetings/99999999999/minutes.pdf").status_code == 404

    def test_a_document_pdf_is_served(self, client, moderator):
        document = documents.add_document(moderator, category="reports", title="Informe", dated_on="2023-12-01",
                                          pdf=pdf_upload(filename="informe.pdf"))
        response = client.get(f"/committee/documents/{document.id}.pdf")
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_the_meetings_csv(self, client, moderator, committee):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento",
                                          attendee_ids=[committee["gov"].id, committee["cs"].id], government_people=4,
                                          civil_society_people=2, minutes="Acta", minutes_pdf=pdf_upload())
        response = client.get("/committee/export/committee_meetings.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert 'filename=committee_meetings.csv' in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert rows == [{
            "meeting": str(meeting.id), "held_on": "2023-03-15", "agenda": "Seguimiento",
            "attending_organisations": "Corporación Ciudadanía Activa; Secretaría de Transparencia",
            "government_organisations": "1", "civil_society_organisations": "1", "government_people": "4",
            "civil_society_people": "2", "other_people": "0", "with_civil_society": "1", "minutes_published": "1",
            "minutes_pdf": f"http://localhost/committee/meetings/{meeting.id}/minutes.pdf"}]


class TestStaffScreens:
    def test_the_dashboard_links_the_committee_screen(self, staff_client):
        html = staff_client.get("/moderation/comments").get_data(as_text=True)
        assert 'href="/moderation/committee/"' in html

    def test_a_moderator_adds_a_member(self, staff_client):
        response = staff_client.post("/moderation/committee/members", data={
            "name": "Procuraduría General de la Nación", "sector": "government", "role": "member",
            "joined_on": "2021-01-01", "left_on": ""})
        assert response.status_code == 303 and response.headers["Location"].endswith("/moderation/committee/#members")
        assert count(Member) == 1 and len(audit_entries("committee.member_add")) == 1
        assert "Miembro añadido: Procuraduría General de la Nación." in staff_client.get(
            "/moderation/committee/").get_data(as_text=True)

    @pytest.mark.parametrize("fields, status, message, field", [
        ({"joined_on": "1999-01-01"}, 400, "Indica una fecha entre los años 2000 y 2100.", "member-joined"),
        ({"joined_on": "9999-12-31"}, 400, "Indica una fecha entre los años 2000 y 2100.", "member-joined"),
        ({"name": "ministerio tic"}, 409, "Esa organización ya es miembro del comité.", None),
        ({"sector": "private_sector"}, 400, "gobierno o de la sociedad civil", "member-sector"),
    ])
    def test_a_bad_member_is_refused_beside_the_form_and_nothing_is_stored(self, staff_client, committee, fields,
                                                                           status, message, field):
        data = {"name": "Procuraduría General de la Nación", "sector": "government", "role": "member",
                "joined_on": "2021-01-01"} | fields
        response = staff_client.post("/moderation/committee/members", data=data)
        # Back on the manage page (the address bar never stays on the POST-only URL).
        assert response.status_code == 303 and response.headers["Location"].endswith("/moderation/committee/#members")
        html = staff_client.get("/moderation/committee/").get_data(as_text=True)
        assert message in (field_error(html, field) if field else html)
        assert 'role="alert"' in html and f'value="{data["name"]}"' in html  # what was typed stays
        assert message not in staff_client.get("/moderation/committee/").get_data(as_text=True)  # shown once
        assert count(Member) == 3 and len(audit_entries("committee.member_add")) == 3
        json_response = staff_client.post("/moderation/committee/members", data=data, headers=JSON)
        assert json_response.status_code == status and message in json_response.get_json()["error"]

    def test_a_moderator_edits_a_member(self, staff_client, committee):
        member = committee["tic"]
        page = staff_client.get(f"/moderation/committee/members/{member.id}")
        assert page.status_code == 200 and 'value="Ministerio TIC"' in page.get_data(as_text=True)
        response = staff_client.post(f"/moderation/committee/members/{member.id}", data={
            "name": "Ministerio TIC", "sector": "government", "role": "observer", "joined_on": "2020-01-01",
            "left_on": "2025-12-31"})
        assert response.status_code == 303
        db.session.refresh(member)
        assert (member.role, member.left_on) == ("observer", date(2025, 12, 31))
        bad = staff_client.post(f"/moderation/committee/members/{member.id}", data={
            "name": "Ministerio TIC", "sector": "government", "role": "member", "joined_on": "2020-01-01",
            "left_on": "2101-01-01"})
        assert bad.status_code == 400 and "entre los años 2000 y 2100" in bad.get_data(as_text=True)
        assert len(audit_entries("committee.member_update")) == 1

    def test_a_moderator_records_a_meeting_with_minutes_pdf(self, staff_client, committee, upload_dir):
        assert staff_client.get("/moderation/committee/meetings/new").status_code == 200
        response = staff_client.post("/moderation/committee/meetings/new", data={
            "held_on": "2024-02-20", "agenda": "1. Informe de avance", "minutes": "Se aprobó.",
            "attendees": [str(committee["gov"].id), str(committee["cs"].id)], "government_people": "5",
            "civil_society_people": "3", "other_people": "1", "minutes_pdf": _upload(filename="acta.pdf")},
            content_type="multipart/form-data")
        assert response.status_code == 303
        meeting = Meeting.query.one()
        assert meeting.people == 9 and len(meeting.attendees) == 2 and meeting.minutes_file_name == "acta.pdf"
        assert stored_files(upload_dir) == [meeting.minutes_file]
        assert len(audit_entries("committee.meeting_add")) == 1

    @pytest.mark.parametrize("fields, status, message, field", [
        ({"held_on": "1800-01-01"}, 400, "Indica una fecha entre los años 2000 y 2100.", "held_on"),
        ({"agenda": "xy"}, 400, "El orden del día debe tener", "agenda"),
        ({"government_people": "-3"}, 400, "entre 0 y", "government_people"),
        ({"minutes_pdf": (io.BytesIO(b"<html>hola</html>"), "acta.pdf")}, 400, "no es un PDF", None),
        ({"minutes_pdf": (io.BytesIO(PDF + b"0" * 4096), "acta.pdf")}, 413, "tamaño máximo", None),
    ])
    def test_a_bad_meeting_stores_nothing(self, app, staff_client, committee, upload_dir, fields, status, message,
                                          field):
        app.config["UPLOAD_MAX_BYTES"] = 4096
        try:
            data = {"held_on": "2024-02-20", "agenda": "Informe", "attendees": [str(committee["cs"].id)],
                    "minutes_pdf": _upload()} | fields
            response = staff_client.post("/moderation/committee/meetings/new", data=data,
                                         content_type="multipart/form-data")
        finally:
            app.config["UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
        html = response.get_data(as_text=True)
        assert response.status_code == status and message in html and 'role="alert"' in html
        assert field is None or message in field_error(html, field)
        assert f">{data['agenda']}</textarea>" in html  # the agenda typed stays in the form
        assert count(Meeting) == 0 and audit_entries("committee.meeting_add") == []
        assert stored_files(upload_dir) == []

    def test_a_file_over_ten_megabytes_is_refused_whole(self, staff_client, committee, upload_dir):
        big = PDF + b"0" * (10 * 1024 * 1024)
        response = staff_client.post("/moderation/committee/meetings/new", data={
            "held_on": "2024-02-20", "agenda": "Informe", "minutes_pdf": (io.BytesIO(big), "grande.pdf")},
            content_type="multipart/form-data")
        assert response.status_code == 413
        assert count(Meeting) == 0 and stored_files(upload_dir) == []

    def test_a_moderator_edits_a_meeting_and_removes_its_pdf(self, staff_client, moderator, committee, upload_dir):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento",
                                          minutes_pdf=pdf_upload())
        page = staff_client.get(f"/moderation/committee/meetings/{meeting.id}").get_data(as_text=True)
        assert "Quitar el PDF actual" in page and ">Seguimiento</textarea>" in page
        response = staff_client.post(f"/moderation/committee/meetings/{meeting.id}", data={
            "held_on": "2023-03-15", "agenda": "Seguimiento", "minutes": "Acta aprobada.", "remove_pdf": "1",
            "attendees": [str(committee["cs"].id)]}, content_type="multipart/form-data")
        assert response.status_code == 303
        db.session.refresh(meeting)
        assert meeting.minutes == "Acta aprobada." and meeting.minutes_file is None
        assert stored_files(upload_dir) == [] and len(audit_entries("committee.meeting_update")) == 1

    def test_a_moderator_publishes_and_withdraws_documents(self, staff_client, upload_dir):
        link = staff_client.post("/moderation/committee/documents", data={
            "category": "plans", "title": "IV Plan de Acción", "dated_on": "2020-12-01",
            "link": "https://example.gov.co/iv-plan"}, content_type="multipart/form-data")
        pdf = staff_client.post("/moderation/committee/documents", data={
            "category": "reports", "title": "Informe de avance", "dated_on": "2022-06-01", "link": "",
            "pdf": _upload(filename="informe.pdf")}, content_type="multipart/form-data")
        assert link.status_code == pdf.status_code == 303 and count(Document) == 2
        document = Document.query.filter_by(category="reports").one()
        assert stored_files(upload_dir) == [document.file]
        html = staff_client.get("/committee").get_data(as_text=True)
        assert "IV Plan de Acción" in html and f"/committee/documents/{document.id}.pdf" in html
        assert staff_client.post(f"/moderation/committee/documents/{document.id}/remove").status_code == 303
        assert count(Document) == 1 and stored_files(upload_dir) == []
        assert len(audit_entries("committee.document_add")) == 2 and len(audit_entries("committee.document_remove")) == 1

    def test_a_document_with_neither_or_both_sources_is_refused(self, staff_client, upload_dir):
        for extra in ({"link": ""}, {"link": "https://example.gov.co/x", "pdf": _upload()}):
            response = staff_client.post("/moderation/committee/documents", data={
                "category": "plans", "title": "IV Plan", "dated_on": "2020-12-01"} | extra,
                content_type="multipart/form-data")
            assert response.status_code == 303 and response.headers["Location"].endswith("#documents")
            html = staff_client.get("/moderation/committee/").get_data(as_text=True)
            assert "uno de los dos" in field_error(html, "document-link") and 'value="IV Plan"' in html
        assert count(Document) == 0 and stored_files(upload_dir) == [] and audit_entries() == []


class TestAccess:
    @pytest.fixture
    def world(self, moderator, committee):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento")
        document = documents.add_document(moderator, category="rules", title="Reglamento", dated_on="2021-02-01",
                                          link="https://example.gov.co/r")
        member = committee["tic"]
        return [
            ("GET", "/moderation/committee/", {}),
            ("POST", "/moderation/committee/members", {"name": "Nueva organización", "sector": "government",
                                                       "role": "member", "joined_on": "2021-01-01"}),
            ("GET", f"/moderation/committee/members/{member.id}", {}),
            ("POST", f"/moderation/committee/members/{member.id}", {"name": "Otra", "sector": "government",
                                                                    "role": "member", "joined_on": "2021-01-01"}),
            ("GET", "/moderation/committee/meetings/new", {}),
            ("POST", "/moderation/committee/meetings/new", {"held_on": "2024-01-01", "agenda": "Nada"}),
            ("GET", f"/moderation/committee/meetings/{meeting.id}", {}),
            ("POST", f"/moderation/committee/meetings/{meeting.id}", {"held_on": "2024-01-01", "agenda": "Nada"}),
            ("POST", "/moderation/committee/documents", {"category": "rules", "title": "Nuevo", "dated_on": "2021-01-01",
                                                          "link": "https://example.gov.co/n"}),
            ("POST", f"/moderation/committee/documents/{document.id}/remove", {}),
        ]

    @pytest.mark.parametrize("role", ["citizen", "institution"])
    def test_citizens_and_institutions_get_403_and_nothing_changes(self, app, factory, world, role):
        user = factory.user() if role == "citizen" else _institution()
        client = app.test_client()
        login(client, user.email)
        before = (count(Member), count(Meeting), count(Document), len(audit_entries()))
        for method, url, data in world:
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (method, url, response.status_code)
        assert (count(Member), count(Meeting), count(Document), len(audit_entries())) == before

    def test_anonymous_visitors_are_sent_to_log_in(self, app, world):
        client = app.test_client()
        for method, url, data in world:
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], (method, url)

    def test_staff_posts_need_the_csrf_token(self, csrf_app, moderator, committee, upload_dir):
        client = csrf_app.test_client()
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": moderator.email, "password": "una frase de prueba bastante larga",
                                         "csrf_token": token})
        data = {"held_on": "2024-02-20", "agenda": "Informe", "minutes_pdf": _upload()}
        refused = client.post("/moderation/committee/meetings/new", data=data, content_type="multipart/form-data")
        assert refused.status_code == 400 and "El formulario caducó" in refused.get_data(as_text=True)
        assert count(Meeting) == 0 and stored_files(upload_dir) == []
        token = csrf_token(client, "/moderation/committee/meetings/new")
        accepted = client.post("/moderation/committee/meetings/new", data=data | {"csrf_token": token,
                                                                                 "minutes_pdf": _upload()},
                               content_type="multipart/form-data")
        assert accepted.status_code == 303 and count(Meeting) == 1
        refused = client.post("/moderation/committee/members", data={
            "name": "Nueva", "sector": "government", "role": "member", "joined_on": "2021-01-01"})
        assert refused.status_code == 400 and count(Member) == 3


def _institution():
    from aga_consulta.accounts.services import register_citizen

    return register_citizen(name="Alcaldía de Palmira", email="palmira@example.gov.co",
                            password="una frase de prueba bastante larga", department_code="76", accepted_terms=True,
                            role="institution", institution="Alcaldía de Palmira")
