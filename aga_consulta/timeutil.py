"""Time helpers: the database stores naive UTC datetimes everywhere, within a bounded range."""
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l

from aga_consulta.errors import ValidationFailed

#: The years a date or time given from outside (forms, query strings, the CLI, the seed) may
#: fall in. Far wider than any consultation needs, and far enough from Python's limits (years
#: 1 and 9999) that a time-zone shift or "the next day" never overflows into a 500.
YEAR_MIN = 2000
YEAR_MAX = 2100

#: What every refusal of an out-of-range date says, beside the field or in a service's error.
DATE_RANGE_MESSAGE = _l("Indica una fecha entre los años %(min)d y %(max)d.", min=YEAR_MIN, max=YEAR_MAX)


def utcnow():
    """Return the current time as a naive UTC datetime (the storage convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def in_date_range(value):
    """True when a date or datetime falls in the years YEAR_MIN to YEAR_MAX, as written."""
    # The year as written, before any conversion: midnight on 2000-01-01 is valid in every
    # zone, even one where UTC is still in 1999.
    return YEAR_MIN <= value.year <= YEAR_MAX


def parse_day(value, label=None, required=True, field=None):
    """Return `value` (a date, a datetime, or text YYYY-MM-DD) as a date in the years YEAR_MIN to YEAR_MAX.

    Blank (None or "") gives None when not `required`. A refusal names the field when given
    its `label`, and otherwise speaks of "the date"; `field` is the form field the refusal
    belongs beside.

    :raises ValidationFailed: blank when required, not a YYYY-MM-DD date, or outside the years.
    """
    if value is None or value == "":
        if not required:
            return None
        raise ValidationFailed(_no_date(label) if label is not None else _l("Indica la fecha."), field)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value).strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            value = None
        if value is None:
            # A year such as 99999 does not parse at all: it is out of range, not a typo.
            year = text.split("-")[0]
            if year.isdigit() and len(year) > 4:
                raise ValidationFailed(_out_of_range(label), field)
            raise ValidationFailed(_no_date(label) if label is not None
                                   else _l("La fecha no es válida (AAAA-MM-DD)."), field)
    if not in_date_range(value):
        raise ValidationFailed(_out_of_range(label), field)
    return value


def _no_date(label):
    return _l("Indica la fecha de «%(field)s» (AAAA-MM-DD).", field=label)


def _out_of_range(label):
    if label is None:
        return DATE_RANGE_MESSAGE
    return _l("La fecha de «%(field)s» debe estar entre los años %(min)d y %(max)d.", field=label, min=YEAR_MIN,
              max=YEAR_MAX)


def to_naive_utc(value):
    """Convert an aware datetime to naive UTC; naive values are taken as UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def isoformat_utc(value):
    """Format a stored naive-UTC datetime as ISO 8601 with an explicit Z."""
    return value.replace(microsecond=0).isoformat() + "Z"


def local_day_bounds(day, timezone_):
    """Return the naive-UTC [start, end) of a calendar day in `timezone_` (a tzinfo).

    :raises ValueError: the day is outside the accepted years (callers validate it first).
    """
    if not in_date_range(day):
        raise ValueError(f"day outside {YEAR_MIN}-{YEAR_MAX}: {day}")
    start = datetime.combine(day, time.min, tzinfo=timezone_)
    return to_naive_utc(start), to_naive_utc(start + timedelta(days=1))
