"""The validated create and update of consultations, without HTTP."""
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from aga_consulta.consultations.models import Consultation
from aga_consulta.consultations.services import SlugTaken
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.consultations import services as consultations
from tests.helpers import count
from tests.helpers import audit_entries as entries

class TestConsultations:
    def test_admin_creates_in_bogota_time_stored_as_utc(self, admin):
        bogota = ZoneInfo("America/Bogota")
        consultation = consultations.create_consultation(actor=admin, slug="plan-2026", title="V Plan de Acción", description="Texto",
            opens_at=datetime(2026, 3, 1, 8, 0, tzinfo=bogota), closes_at=datetime(2026, 3, 31, 23, 59, tzinfo=bogota),
            vote_cap=5,
        )
        assert consultation.opens_at == datetime(2026, 3, 1, 13, 0)
        assert consultation.closes_at == datetime(2026, 4, 1, 4, 59)
        (entry,) = entries("consultation.create")
        assert json.loads(entry.after)["opens_at"] == "2026-03-01T13:00:00Z"

    def test_moderator_cannot_create_but_can_edit(self, factory, moderator):
        utc = timezone.utc
        with pytest.raises(NotAllowed):
            consultations.create_consultation(actor=moderator, slug="x-1", title="Título", opens_at=datetime(2026, 1, 1, tzinfo=utc),
                                         closes_at=datetime(2026, 2, 1, tzinfo=utc))
        consultation = factory.consultation(vote_cap=3)
        changed = consultations.update_consultation(
            moderator, consultation, title="Nuevo título", description="Descripción",
            opens_at=consultation.opens_at, closes_at=consultation.closes_at, vote_cap=5,
        )
        assert changed == ["title", "vote_cap"]
        (entry,) = entries("consultation.update")
        assert json.loads(entry.before) == {"title": "Consulta de prueba", "vote_cap": 3}
        assert json.loads(entry.after) == {"title": "Nuevo título", "vote_cap": 5}
        assert consultations.update_consultation(
            moderator, consultation, title="Nuevo título", description="Descripción",
            opens_at=consultation.opens_at, closes_at=consultation.closes_at, vote_cap=5,
        ) == []
        assert len(entries("consultation.update")) == 1

    @pytest.mark.parametrize("bad", [
        dict(slug="Con Espacios"), dict(slug="-x"), dict(slug="<script>"), dict(title="  "),
        dict(closes_at=datetime(2025, 1, 1, tzinfo=timezone.utc)), dict(vote_cap=0),
    ])
    def test_bad_consultation_is_refused(self, admin, bad):
        values = dict(slug="ok-slug", title="Título válido", opens_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                      closes_at=datetime(2026, 2, 1, tzinfo=timezone.utc), vote_cap=None)
        values.update(bad)
        with pytest.raises(ValidationFailed):
            consultations.create_consultation(actor=admin, **values)
        assert count(Consultation) == 0 and entries() == []

    def test_taken_slug(self, factory, admin):
        factory.consultation(slug="tomada")
        with pytest.raises(SlugTaken):
            consultations.create_consultation(actor=admin, slug="tomada", title="Otra", opens_at=datetime(2026, 1, 1),
                                         closes_at=datetime(2026, 2, 1))
        assert entries() == []


BOGOTA = ZoneInfo("America/Bogota")
#: Out of the accepted years (timeutil.YEAR_MIN-YEAR_MAX), aware and naive: the service is
#: also called from the CLI, the seed and tests, where no form stands in front of it.
OUT_OF_RANGE = [
    datetime(9999, 12, 31, 23, 59, tzinfo=BOGOTA),  # would overflow converting to UTC
    datetime(9999, 12, 31, 23, 59),
    datetime(1, 1, 1, 0, 0, tzinfo=BOGOTA),
    datetime(1, 6, 15, 12, 0),
    datetime(1999, 12, 31, 23, 59, tzinfo=BOGOTA),
    datetime(2101, 1, 1, 0, 0, tzinfo=BOGOTA),
]


class TestDateRange:
    @pytest.mark.parametrize("which", ["opens_at", "closes_at"])
    @pytest.mark.parametrize("when", OUT_OF_RANGE)
    def test_create_refuses_a_window_outside_the_accepted_years(self, admin, which, when):
        values = dict(opens_at=datetime(2026, 1, 1, tzinfo=BOGOTA), closes_at=datetime(2026, 2, 1, tzinfo=BOGOTA))
        values[which] = when
        with pytest.raises(ValidationFailed) as refused:
            consultations.create_consultation(actor=admin, slug="fuera", title="Título válido", **values)
        assert str(refused.value.message) == "Indica una fecha entre los años 2000 y 2100."
        assert count(Consultation) == 0 and entries() == []

    @pytest.mark.parametrize("which", ["opens_at", "closes_at"])
    @pytest.mark.parametrize("when", OUT_OF_RANGE)
    def test_update_refuses_a_window_outside_the_accepted_years(self, factory, moderator, which, when):
        consultation = factory.consultation()
        before = (consultation.opens_at, consultation.closes_at)
        values = dict(opens_at=consultation.opens_at, closes_at=consultation.closes_at)
        values[which] = when
        with pytest.raises(ValidationFailed) as refused:
            consultations.update_consultation(moderator, consultation, title="Otro título", **values)
        assert "entre los años 2000 y 2100" in str(refused.value.message)
        db.session.rollback()
        assert (consultation.opens_at, consultation.closes_at, consultation.title) == before + ("Consulta de prueba",)
        assert entries("consultation.update") == []

    def test_the_first_and_last_accepted_minutes(self, admin):
        consultation = consultations.create_consultation(
            actor=admin, slug="bordes", title="Título válido",
            opens_at=datetime(2000, 1, 1, 0, 0, tzinfo=BOGOTA), closes_at=datetime(2100, 12, 31, 23, 59, tzinfo=BOGOTA),
        )
        # The last minute of 2100 in Bogotá is already 2101 in UTC: the bound is the year as entered.
        assert (consultation.opens_at, consultation.closes_at) == (datetime(2000, 1, 1, 5, 0), datetime(2101, 1, 1, 4, 59))
