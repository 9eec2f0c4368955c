"""Events: creation, attendance one by one or from a sign-in sheet (all or nothing), notes, pages."""
from datetime import datetime, timedelta
import io

import pytest

from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.events.models import Attendance, Event
from aga_consulta.events.services import (
    AlreadyAttending, SheetInvalid, attendee_count, create_event, import_sheet, publish_notes, record_attendance,
)
from aga_consulta.timeutil import utcnow
from tests.helpers import audit_entries, count, field_error, login


def workshop(**changes):
    start = utcnow() - timedelta(days=2)
    values = dict(kind="workshop", theme="Mesa de datos abiertos", starts_at=start, ends_at=start + timedelta(hours=3),
                  place="Biblioteca Luis Ángel Arango, Bogotá", capacity=40)
    values.update(changes)
    return create_event(**values)


def test_attendance_counts_accounts_once_and_unlinked_rows_each(factory, moderator):
    first, second = workshop(), workshop(theme="Mesa de justicia")
    citizen = factory.user()
    record_attendance(moderator, first, department="76", sector="civil_society", email=citizen.email.upper())
    record_attendance(moderator, second, department="76", sector="civil_society", email=citizen.email)
    record_attendance(moderator, first, department="5", sector="academia")
    assert attendee_count([first.id, second.id]) == 2
    with pytest.raises(AlreadyAttending):
        record_attendance(moderator, first, department="76", sector="civil_society", email=citizen.email)
    assert count(Attendance) == 3 and len(audit_entries("event.attendance")) == 3


@pytest.mark.parametrize("fields, message", [
    ({"department": "00", "sector": "academia"}, "Departamento"),
    ({"department": "11", "sector": "prensa"}, "Sector"),
    ({"department": "11", "sector": "academia", "email": "nadie@example.co"}, "No hay una cuenta"),
])
def test_bad_attendance_is_refused_and_nothing_is_stored(moderator, fields, message):
    event = workshop()
    with pytest.raises(ValidationFailed, match=message):
        record_attendance(moderator, event, **fields)
    assert count(Attendance) == 0


def test_only_staff_record_attendance(factory):
    event = workshop()
    with pytest.raises(NotAllowed):
        record_attendance(factory.user(), event, department="11", sector="academia")
    assert count(Attendance) == 0


def test_a_sheet_with_one_bad_row_stores_nothing_and_names_the_row(factory, moderator):
    event = workshop()
    citizen = factory.user()
    sheet = f"department,sector,email\n11,academia,\n76,civil_society,{citizen.email}\n99,martians,\n05,academia,\n"
    with pytest.raises(SheetInvalid) as error:
        import_sheet(moderator, event, sheet)
    assert [row for row, _message in error.value.problems] == [4]
    assert count(Attendance) == 0 and audit_entries("event.import") == []
    stored = import_sheet(moderator, event, sheet.replace("99,martians,\n", ""))
    assert stored == 3 and attendee_count([event.id]) == 3 and len(audit_entries("event.import")) == 1


@pytest.mark.parametrize("sheet", ["name,department,sector\nAna,11,academia\n", "", "department,sector\n",
                                   "department,sector\n11,academia,extra\n", "department,sector\n11\x00,academia\n"])
def test_a_bad_sheet_is_refused_whole(moderator, sheet):
    with pytest.raises(SheetInvalid):
        import_sheet(moderator, workshop(), sheet)
    assert count(Attendance) == 0


def test_the_same_account_twice_in_a_sheet_is_refused(factory, moderator):
    citizen = factory.user()
    with pytest.raises(SheetInvalid) as error:
        import_sheet(moderator, workshop(), f"department,sector,email\n11,academia,{citizen.email}\n11,academia,{citizen.email}\n")
    assert [row for row, _m in error.value.problems] == [3] and count(Attendance) == 0


@pytest.mark.parametrize("changes, message", [
    ({"kind": "party"}, "Tipo de evento"),
    ({"starts_at": datetime(1800, 1, 1)}, "entre los años"),
    ({"ends_at": datetime(3000, 1, 1)}, "entre los años"),
    ({"place": None, "link": None}, "lugar o un enlace"),
    ({"place": None, "link": "javascript:alert(1)"}, "no son válidos"),
    ({"capacity": 0}, "capacidad"),
])
def test_a_bad_event_is_refused(changes, message):
    with pytest.raises(ValidationFailed, match=message):
        workshop(**changes)
    assert count(Event) == 0


def test_notes_are_published_and_audited(moderator):
    event = workshop()
    publish_notes(moderator, event, "Relatoría: se propuso abrir los datos de contratación.")
    assert event.notes_published_at is not None and len(audit_entries("event.notes")) == 1
    with pytest.raises(ValidationFailed):
        publish_notes(moderator, event, "  ")


def test_the_event_page_is_public_and_staff_record_through_it(client, factory, moderator):
    event = workshop()
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Mesa de datos abiertos" in html and "Biblioteca" in html and "Registrar asistencia" not in html
    assert client.get("/events/999999").status_code == 404
    citizen = factory.user()
    login(client, citizen.email)
    assert client.post(f"/events/{event.id}/attendance", data={"department": "11", "sector": "academia"}).status_code == 403
    client.post("/auth/logout")
    login(client, moderator.email)
    response = client.post(f"/events/{event.id}/attendance", data={"department": "11", "sector": "academia"})
    assert response.status_code == 303 and count(Attendance) == 1
    bad = client.post(f"/events/{event.id}/attendance/import",
                      data={"sheet": (io.BytesIO(b"department,sector\n11,academia\n99,nadie\n"), "hoja.csv")},
                      content_type="multipart/form-data")
    # Post/Redirect/Get: the row-by-row report is shown on the event's page, once.
    assert bad.status_code == 303 and bad.headers["Location"] == f"/events/{event.id}#sheet-problems"
    assert "Fila 3" in client.get(f"/events/{event.id}").get_data(as_text=True) and count(Attendance) == 1
    assert "Fila 3" not in client.get(f"/events/{event.id}").get_data(as_text=True)
    latin1 = client.post(f"/events/{event.id}/attendance/import",
                         data={"sheet": (io.BytesIO("department,sector\n11,acad\xe9mia\n".encode("latin-1")), "h.csv")},
                         content_type="multipart/form-data")
    assert latin1.status_code == 303 and count(Attendance) == 1
    assert "UTF-8" in client.get(f"/events/{event.id}").get_data(as_text=True)
    good = client.post(f"/events/{event.id}/attendance/import",
                       data={"sheet": (io.BytesIO(b"department,sector\n11,academia\n"), "hoja.csv")},
                       content_type="multipart/form-data")
    assert good.status_code == 303 and count(Attendance) == 2
    client.post(f"/events/{event.id}/notes", data={"notes": "Relatoría de la mesa."})
    client.post("/auth/logout")
    assert "Relatoría de la mesa." in client.get(f"/events/{event.id}").get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({"department": "11", "sector": "academia", "email": "nadie@example.co"}, "email", "No hay una cuenta"),
    ({"department": "11", "sector": "gremios"}, "sector", "Sector desconocido"),
    ({"notes": "ok"}, "notes", "La relatoría debe tener"),
])
def test_a_refused_staff_form_comes_back_beside_its_field(client, moderator, data, field, message):
    event = workshop()
    login(client, moderator.email)
    url = f"/events/{event.id}/notes" if "notes" in data else f"/events/{event.id}/attendance"
    response = client.post(url, data=data)
    assert response.status_code == 303 and f"/events/{event.id}#" in response.headers["Location"]
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert message in field_error(page, field)
    if "email" in data:
        assert 'value="nadie@example.co"' in page and '<option value="11" selected>' in page
    if "notes" in data:
        assert ">ok</textarea>" in page
    assert count(Attendance) == 0 and audit_entries("event.notes") == []
