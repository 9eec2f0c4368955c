"""The committee's services, without HTTP: members, meetings, documents, PDFs and the cadence."""
from datetime import date

import pytest

from aga_consulta.committee import documents, meetings, members
from aga_consulta.committee.models import Document, Meeting, Member
from aga_consulta.errors import NotAllowed, ValidationFailed
from tests.committee.conftest import PDF, pdf_upload, stored_files
from tests.helpers import audit_entries, count


class TestMembers:
    def test_a_member_is_added_and_audited(self, moderator):
        member = members.add_member(moderator, name="  Departamento Administrativo de la Función Pública ",
                                    sector="government", role="technical_secretariat", joined_on="2021-03-01")
        assert member.name == "Departamento Administrativo de la Función Pública"
        assert (member.sector, member.role, member.joined_on, member.left_on) == (
            "government", "technical_secretariat", date(2021, 3, 1), None)
        [entry] = audit_entries("committee.member_add")
        assert entry.actor_id == moderator.id and entry.target_id == member.id
        assert '"joined_on": "2021-03-01"' in entry.after

    @pytest.mark.parametrize("name", ["Ministerio TIC", "ministerio tic", "MINISTERIO  TÍC", "Ｍinisterio TIC"])
    def test_the_same_organisation_twice_is_refused(self, moderator, committee, name):
        with pytest.raises(members.MemberExists, match="ya es miembro"):
            members.add_member(moderator, name=name, sector="government", role="member", joined_on="2022-01-01")
        assert count(Member) == 3 and len(audit_entries("committee.member_add")) == 3

    @pytest.mark.parametrize("fields, message", [
        ({"joined_on": "1999-12-31"}, "entre los años 2000 y 2100"),
        ({"joined_on": "2101-01-01"}, "entre los años 2000 y 2100"),
        ({"joined_on": "99999-01-01"}, "entre los años 2000 y 2100"),
        ({"joined_on": "ayer"}, "no es válida"),
        ({"joined_on": ""}, "Indica la fecha"),
        ({"left_on": "1999-01-01"}, "entre los años"),
        ({"left_on": "2020-12-31"}, "anterior a la de ingreso"),
        ({"sector": "private"}, "gobierno o de la sociedad civil"),
        ({"role": "king"}, "Rol en el comité desconocido"),
        ({"name": "ab"}, "entre 3 y 200"),
        ({"name": "x" * 201}, "entre 3 y 200"),
        ({"name": "Nombre\x00oculto"}, "caracteres no válidos"),
    ])
    def test_bad_fields_are_refused_and_nothing_is_stored(self, moderator, fields, message):
        values = dict(name="Procuraduría General de la Nación", sector="government", role="member",
                      joined_on="2021-01-01", left_on=None) | fields
        with pytest.raises(ValidationFailed, match=message) as caught:
            members.add_member(moderator, **values)
        assert caught.value.status == 400
        assert count(Member) == 0 and audit_entries() == []

    def test_the_edges_of_the_years_are_accepted(self, moderator):
        member = members.add_member(moderator, name="Procuraduría General de la Nación", sector="government",
                                    role="member", joined_on="2000-01-01", left_on="2100-12-31")
        assert (member.joined_on, member.left_on) == (date(2000, 1, 1), date(2100, 12, 31))

    def test_a_citizen_may_not_add_a_member(self, factory):
        with pytest.raises(NotAllowed):
            members.add_member(factory.user(), name="Procuraduría", sector="government", role="member",
                               joined_on="2021-01-01")
        assert count(Member) == 0

    def test_an_update_is_audited_with_before_and_after(self, moderator, committee):
        member = committee["tic"]
        members.update_member(moderator, member, name="Ministerio de Tecnologías de la Información",
                              sector="government", role="member", joined_on="2020-01-01", left_on="2024-06-30")
        assert member.left_on == date(2024, 6, 30)
        [entry] = audit_entries("committee.member_update")
        assert ("left_on", None, "2024-06-30") in entry.changes
        assert ("name", "Ministerio TIC", "Ministerio de Tecnologías de la Información") in entry.changes

    def test_an_update_may_not_take_another_members_name(self, moderator, committee):
        with pytest.raises(members.MemberExists):
            members.update_member(moderator, committee["tic"], name="secretaria de transparencia",
                                  sector="government", role="member", joined_on="2020-01-01")
        assert audit_entries("committee.member_update") == []

    def test_membership_dates_must_cover_the_meetings_attended(self, moderator, committee):
        meetings.create_meeting(moderator, held_on="2022-05-10", agenda="Seguimiento", attendee_ids=[committee["cs"].id])
        with pytest.raises(ValidationFailed, match="fuera de esas fechas"):
            members.update_member(moderator, committee["cs"], name="Corporación Ciudadanía Activa",
                                  sector="civil_society", role="member", joined_on="2020-01-01", left_on="2022-05-09")
        assert committee["cs"].left_on is None

    def test_members_are_listed_current_first_then_government(self, moderator, committee):
        members.update_member(moderator, committee["gov"], name="Secretaría de Transparencia", sector="government",
                              role="chair", joined_on="2020-01-01", left_on="2023-01-01")
        assert [m.name for m in members.members()] == [
            "Ministerio TIC", "Corporación Ciudadanía Activa", "Secretaría de Transparencia"]


class TestMeetings:
    def test_a_meeting_with_attendance_minutes_and_pdf(self, moderator, committee, upload_dir):
        meeting = meetings.create_meeting(
            moderator, held_on="2023-03-15", agenda="1. Seguimiento de compromisos", minutes="Se aprobó el informe.",
            attendee_ids=[str(committee["gov"].id), str(committee["cs"].id)], government_people="4",
            civil_society_people=3, other_people="", minutes_pdf=pdf_upload(filename="../../Acta 3.pdf"))
        assert meeting.held_on == date(2023, 3, 15)
        assert [m.name for m in meeting.attendees] == ["Corporación Ciudadanía Activa", "Secretaría de Transparencia"]
        assert (meeting.government_people, meeting.civil_society_people, meeting.other_people, meeting.people) == (4, 3, 0, 7)
        assert meeting.minutes_file_name == "Acta 3.pdf"
        assert stored_files(upload_dir) == [meeting.minutes_file]
        assert (upload_dir / meeting.minutes_file).read_bytes() == PDF
        [entry] = audit_entries("committee.meeting_add")
        assert "Secretaría de Transparencia" in entry.after and "Acta 3.pdf" in entry.after

    @pytest.mark.parametrize("fields, message", [
        ({"held_on": "1999-12-31"}, "entre los años 2000 y 2100"),
        ({"held_on": "2020-02-30"}, "no es válida"),
        ({"agenda": "  "}, "orden del día"),
        ({"government_people": "-1"}, "entre 0 y"),
        ({"civil_society_people": "tres"}, "número entero"),
        ({"other_people": 10001}, "entre 0 y"),
        ({"attendee_ids": ["999999"]}, "Organización asistente desconocida"),
        ({"attendee_ids": ["1 OR 1=1"]}, "Organización asistente desconocida"),
        ({"held_on": "2101-01-01"}, "entre los años"),
    ])
    def test_bad_meetings_store_neither_row_nor_file(self, moderator, committee, upload_dir, fields, message):
        values = dict(held_on="2023-03-15", agenda="Seguimiento", minutes_pdf=pdf_upload()) | fields
        with pytest.raises(ValidationFailed, match=message):
            meetings.create_meeting(moderator, **values)
        assert count(Meeting) == 0 and audit_entries("committee.meeting_add") == []
        assert stored_files(upload_dir) == []

    def test_an_organisation_attends_only_while_a_member(self, moderator, committee):
        with pytest.raises(ValidationFailed, match="No era miembro del comité en esa fecha: Ministerio TIC"):
            meetings.create_meeting(moderator, held_on="2000-06-01", agenda="Instalación",
                                    attendee_ids=[committee["tic"].id])
        assert count(Meeting) == 0

    @pytest.mark.parametrize("content, filename, message, status", [
        (b"<html><script>alert(1)</script></html>", "acta.pdf", "no es un PDF", 400),
        (b"MZ\x90\x00", "acta.pdf", "no es un PDF", 400),
        (b"", "acta.pdf", "vacío", 400),
        (PDF + b"0" * 2048, "acta.pdf", "tamaño máximo", 413),
    ])
    def test_a_bad_pdf_is_refused_and_nothing_is_stored(self, app, moderator, committee, upload_dir, content,
                                                        filename, message, status):
        app.config["UPLOAD_MAX_BYTES"] = 2048
        try:
            with pytest.raises(ValidationFailed, match=message) as caught:
                meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento",
                                        minutes_pdf=pdf_upload(content, filename))
        finally:
            app.config["UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
        assert caught.value.status == status
        assert count(Meeting) == 0 and audit_entries("committee.meeting_add") == []
        assert stored_files(upload_dir) == []

    def test_a_row_that_fails_takes_its_file_with_it(self, moderator, committee, upload_dir, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(meetings, "record", broken)
        with pytest.raises(RuntimeError):
            meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento", minutes_pdf=pdf_upload())
        assert count(Meeting) == 0 and stored_files(upload_dir) == []

    def test_an_update_replaces_the_pdf_and_removes_the_old_file(self, moderator, committee, upload_dir):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento",
                                          minutes_pdf=pdf_upload(filename="borrador.pdf"))
        first = meeting.minutes_file
        meetings.update_meeting(moderator, meeting, held_on="2023-03-16", agenda="Seguimiento",
                                minutes="Acta aprobada.", attendee_ids=[committee["cs"].id],
                                civil_society_people=2, minutes_pdf=pdf_upload(filename="final.pdf"))
        assert meeting.minutes_file != first and meeting.minutes_file_name == "final.pdf"
        assert stored_files(upload_dir) == [meeting.minutes_file]
        [entry] = audit_entries("committee.meeting_update")
        assert ("minutes_file", "borrador.pdf", "final.pdf") in entry.changes
        meetings.update_meeting(moderator, meeting, held_on="2023-03-16", agenda="Seguimiento", remove_pdf=True)
        assert meeting.minutes_file is None and stored_files(upload_dir) == []

    def test_a_refused_update_keeps_the_meeting_and_its_file(self, moderator, committee, upload_dir):
        meeting = meetings.create_meeting(moderator, held_on="2023-03-15", agenda="Seguimiento",
                                          minutes_pdf=pdf_upload())
        kept = meeting.minutes_file
        with pytest.raises(ValidationFailed):
            meetings.update_meeting(moderator, meeting, held_on="2023-03-15", agenda="Seguimiento",
                                    minutes_pdf=pdf_upload(b"not a pdf"))
        assert meeting.minutes_file == kept and stored_files(upload_dir) == [kept]
        assert audit_entries("committee.meeting_update") == []


def _meeting(moderator, day, members=(), civil_society_people=0):
    return meetings.create_meeting(moderator, held_on=day, agenda="Seguimiento", attendee_ids=[m.id for m in members],
                                   civil_society_people=civil_society_people)


class TestCadence:
    def test_no_meeting_at_all_warns_on_both_counts(self):
        cadence = meetings.cadence([], date(2026, 11, 30))
        assert cadence.last_meeting is None and cadence.last_12_months == 0
        assert cadence.stale and cadence.too_few_with_civil_society

    @pytest.mark.parametrize("last, stale", [
        (date(2026, 5, 30), False),  # exactly six months before: not more than six
        (date(2026, 5, 29), True),  # a day more
        (date(2026, 11, 30), False),
    ])
    def test_six_months_since_the_last_meeting(self, moderator, committee, last, stale):
        _meeting(moderator, last, [committee["cs"]])
        assert meetings.cadence(meetings.meetings(), date(2026, 11, 30)).stale is stale

    def test_six_months_from_a_long_month_end(self):
        assert meetings.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
        assert meetings.months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
        assert meetings.months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)

    def test_the_last_12_months_and_civil_society(self, moderator, committee):
        today = date(2026, 11, 30)
        _meeting(moderator, date(2025, 11, 30), [committee["cs"]])  # a year ago to the day: outside
        _meeting(moderator, date(2025, 12, 1), [committee["cs"]])  # inside, with a civil-society member
        _meeting(moderator, date(2026, 6, 1), [committee["gov"]])  # government only
        _meeting(moderator, date(2026, 12, 1), [committee["cs"]])  # scheduled: not held yet
        cadence = meetings.cadence(meetings.meetings(), today)
        assert (cadence.last_meeting, cadence.last_12_months, cadence.civil_society_last_12_months) == (
            date(2026, 6, 1), 2, 1)
        assert cadence.too_few_with_civil_society and not cadence.stale
        _meeting(moderator, date(2026, 9, 1), [committee["gov"]], civil_society_people=2)  # people count too
        cadence = meetings.cadence(meetings.meetings(), today)
        assert (cadence.last_12_months, cadence.civil_society_last_12_months) == (3, 2)
        assert not cadence.too_few_with_civil_society


class TestDocuments:
    def test_a_link_and_a_pdf_document(self, moderator, upload_dir):
        link = documents.add_document(moderator, category="rules", title="Reglamento del comité",
                                      dated_on="2021-02-01", link="https://example.gov.co/reglamento")
        pdf = documents.add_document(moderator, category="reports", title="Informe 2023", dated_on="2023-12-01",
                                     pdf=pdf_upload(filename="informe.pdf"))
        assert link.file is None and pdf.link is None and pdf.file_name == "informe.pdf"
        assert stored_files(upload_dir) == [pdf.file]
        by_category = dict(documents.documents_by_category())
        assert list(by_category) == ["minutes", "rules", "reports", "plans", "other"]
        assert by_category["rules"] == [link] and by_category["reports"] == [pdf] and by_category["plans"] == []
        assert len(audit_entries("committee.document_add")) == 2

    @pytest.mark.parametrize("fields, message", [
        ({"link": None, "pdf": None}, "uno de los dos"),
        ({"pdf": "both"}, "uno de los dos"),
        ({"link": "javascript:alert(1)"}, "https://"),
        ({"category": "secret"}, "Categoría de documento desconocida"),
        ({"title": "x"}, "entre 3 y"),
        ({"dated_on": "2200-01-01"}, "entre los años"),
    ])
    def test_bad_documents_are_refused(self, moderator, upload_dir, fields, message):
        values = dict(category="rules", title="Reglamento", dated_on="2021-02-01",
                      link="https://example.gov.co/reglamento", pdf=None) | fields
        if values["pdf"] == "both":
            values["pdf"] = pdf_upload()
        with pytest.raises(ValidationFailed, match=message):
            documents.add_document(moderator, **values)
        assert count(Document) == 0 and audit_entries() == [] and stored_files(upload_dir) == []

    def test_removing_a_document_removes_its_file_and_is_audited(self, moderator, upload_dir):
        document = documents.add_document(moderator, category="minutes", title="Acta 1", dated_on="2021-02-01",
                                          pdf=pdf_upload())
        documents.remove_document(moderator, document)
        assert count(Document) == 0 and stored_files(upload_dir) == []
        [entry] = audit_entries("committee.document_remove")
        assert "Acta 1" in entry.before

    def test_a_citizen_may_not_remove_a_document(self, moderator, factory):
        document = documents.add_document(moderator, category="rules", title="Reglamento", dated_on="2021-02-01",
                                          link="https://example.gov.co/r")
        with pytest.raises(NotAllowed):
            documents.remove_document(factory.user(), document)
        assert count(Document) == 1


def test_the_meetings_csv_names_organisations_and_counts(moderator, committee):
    _meeting(moderator, date(2023, 3, 15), [committee["gov"], committee["cs"]], civil_society_people=3)
    meetings.create_meeting(moderator, held_on="2021-01-10", agenda="=HYPERLINK(\"http://x\")",
                            attendee_ids=[committee["tic"].id], minutes="Acta", minutes_pdf=pdf_upload())
    lines = meetings.meetings_csv(lambda meeting: f"/acta/{meeting.id}").splitlines()
    assert lines[0] == ",".join(meetings.MEETING_COLUMNS)
    assert lines[1].startswith("2,2021-01-10,\"'=HYPERLINK(\"\"http://x\"\")\",Ministerio TIC,1,0,0,0,0,0,1,/acta/2")
    assert lines[2] == "1,2023-03-15,Seguimiento,Corporación Ciudadanía Activa; Secretaría de Transparencia,1,1,0,3,0,1,0,"
