"""One reading of a day given from outside: YYYY-MM-DD in the accepted years, refused in Spanish otherwise."""
from datetime import date, datetime

import pytest

from aga_consulta.errors import ValidationFailed
from aga_consulta.timeutil import parse_day


@pytest.mark.parametrize("value, expected", [
    ("2025-06-30", date(2025, 6, 30)), (" 2025-06-30 ", date(2025, 6, 30)), (date(2000, 1, 1), date(2000, 1, 1)),
    (datetime(2100, 12, 31, 23, 59), date(2100, 12, 31)),
])
def test_a_day_is_read(value, expected):
    assert parse_day(value) == expected and parse_day(value, "inicio") == expected


def test_a_blank_optional_day_is_none():
    assert parse_day("", required=False) is None and parse_day(None, "fin", required=False) is None


@pytest.mark.parametrize("value, unnamed, named", [
    ("", "Indica la fecha.", "Indica la fecha de «inicio» (AAAA-MM-DD)."),
    ("30/09/2025", "La fecha no es válida (AAAA-MM-DD).", "Indica la fecha de «inicio» (AAAA-MM-DD)."),
    ("2025-02-30", "La fecha no es válida (AAAA-MM-DD).", "Indica la fecha de «inicio» (AAAA-MM-DD)."),
    ("1999-12-31", "Indica una fecha entre los años 2000 y 2100.",
     "La fecha de «inicio» debe estar entre los años 2000 y 2100."),
    ("99999-01-01", "Indica una fecha entre los años 2000 y 2100.",
     "La fecha de «inicio» debe estar entre los años 2000 y 2100."),
    (date(2101, 1, 1), "Indica una fecha entre los años 2000 y 2100.",
     "La fecha de «inicio» debe estar entre los años 2000 y 2100."),
])
def test_a_bad_day_is_refused_naming_the_field_when_labelled(app, value, unnamed, named):
    with app.test_request_context("/"):
        with pytest.raises(ValidationFailed) as refused:
            parse_day(value)
        assert str(refused.value.message) == unnamed
        with pytest.raises(ValidationFailed) as refused:
            parse_day(value, "inicio")
        assert str(refused.value.message) == named
