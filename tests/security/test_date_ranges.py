"""Issue 11, finding 6: every date the site takes in is bounded to the accepted years.

A year-9999 date overflowed into a 500 (the audit log's day bounds, the consultation
window's conversion to UTC). Every date input now answers 400 with the message beside its
field, and nothing is stored: no consultation created or changed, no audit row.
"""
import re
from datetime import datetime

import pytest

from aga_consulta.audit import record
from aga_consulta.consultations.models import Consultation
from aga_consulta.extensions import db
from tests.helpers import audit_entries, count, login
from tests.security.support import table_counts

MESSAGE = "Indica una fecha entre los años 2000 y 2100."
#: Days outside the accepted years: the end of Python's calendar, its start, and one day past each edge.
BAD_DAYS = ["9999-12-31", "0001-01-01", "0001-06-15", "1999-12-31", "2101-01-01"]
#: The same for the window's datetime-local inputs (wall-clock time in Bogotá).
BAD_TIMES = ["9999-12-31T23:59", "0001-01-01T00:00", "0001-06-15T12:00", "1999-12-31T23:59", "2101-01-01T00:00"]
GOOD_WINDOW = {"opens_at": "2026-03-01T08:00", "closes_at": "2026-03-31T23:59"}


def error_beside(page, field):
    """The error shown beside `field`, or None."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


@pytest.fixture
def admin_client(client, admin):
    login(client, admin.email)
    return client


class TestAuditLogDateFilter:
    @pytest.mark.parametrize("param", ["date_from", "date_to"])
    @pytest.mark.parametrize("day", BAD_DAYS)
    def test_a_day_outside_the_accepted_years_is_400_beside_its_field(self, admin_client, param, day):
        before = table_counts()
        response = admin_client.get("/moderation/log", query_string={param: day})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert error_beside(page, param) == MESSAGE
        assert f'aria-describedby="{param}-error"' in page
        assert table_counts() == before

    def test_the_edges_and_a_good_day_filter_as_asked(self, admin_client, admin):
        record(admin, "user.role", "user", admin.id, target_label="x", now=datetime(2026, 3, 10, 15, 0))
        db.session.commit()
        for query, shown in (({"date_from": "2000-01-01"}, 1), ({"date_to": "2100-12-31"}, 1),
                             ({"date_from": "2000-01-01", "date_to": "2100-12-31"}, 1),
                             ({"date_from": "2026-03-10", "date_to": "2026-03-10"}, 1),
                             ({"date_from": "2026-03-11"}, 0)):
            response = admin_client.get("/moderation/log", query_string=query)
            assert response.status_code == 200, query
            assert ("1 acción" if shown else "0 acciones") in response.get_data(as_text=True), query

    def test_junk_is_400_and_not_shown_back(self, admin_client):
        junk = "ñ" * 300
        response = admin_client.get("/moderation/log", query_string={"date_from": junk})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert error_beside(page, "date_from") and junk not in page


class TestConsultationWindow:
    @pytest.mark.parametrize("field", ["opens_at", "closes_at"])
    @pytest.mark.parametrize("when", BAD_TIMES)
    def test_create_outside_the_accepted_years_is_400_and_stores_nothing(self, admin_client, field, when):
        before = table_counts()
        data = {"slug": "fuera-de-rango", "title": "Consulta fuera de rango", **GOOD_WINDOW, field: when}
        response = admin_client.post("/moderation/consultations/new", data=data)
        assert response.status_code == 400
        assert error_beside(response.get_data(as_text=True), field) == MESSAGE
        assert count(Consultation) == 0 and audit_entries() == []
        assert table_counts() == before

    @pytest.mark.parametrize("field", ["opens_at", "closes_at"])
    @pytest.mark.parametrize("when", BAD_TIMES)
    def test_edit_outside_the_accepted_years_is_400_and_changes_nothing(self, admin_client, factory, field, when):
        consultation = factory.consultation(slug="plan")
        stored = (consultation.title, consultation.opens_at, consultation.closes_at)
        before = table_counts()
        data = {"title": "Título cambiado", **GOOD_WINDOW, field: when}
        response = admin_client.post("/moderation/consultations/plan/edit", data=data)
        assert response.status_code == 400
        assert error_beside(response.get_data(as_text=True), field) == MESSAGE
        db.session.expire_all()
        current = db.session.get(Consultation, consultation.id)
        assert (current.title, current.opens_at, current.closes_at) == stored
        assert audit_entries("consultation.update") == []
        assert table_counts() == before

    def test_the_first_minute_of_2000_and_a_good_date_are_accepted(self, admin_client, factory):
        response = admin_client.post("/moderation/consultations/new", data={
            "slug": "borde", "title": "Consulta en el borde", "opens_at": "2000-01-01T00:00", "closes_at": "2000-01-02T00:00"})
        assert response.status_code == 303
        edge = db.session.scalar(db.select(Consultation).where(Consultation.slug == "borde"))
        assert edge.opens_at == datetime(2000, 1, 1, 5, 0)  # midnight in Bogotá, stored as UTC

        factory.consultation(slug="plan")
        response = admin_client.post("/moderation/consultations/plan/edit",
                                     data={"title": "Título cambiado", **GOOD_WINDOW})
        assert response.status_code == 303
        db.session.expire_all()
        plan = db.session.scalar(db.select(Consultation).where(Consultation.slug == "plan"))
        assert (plan.opens_at, plan.closes_at) == (datetime(2026, 3, 1, 13, 0), datetime(2026, 4, 1, 4, 59))
        assert len(audit_entries("consultation.create")) == 1 and len(audit_entries("consultation.update")) == 1
