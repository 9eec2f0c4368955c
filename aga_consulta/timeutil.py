"""Time helpers: the database stores naive UTC datetimes everywhere, within a bounded range."""
from datetime import datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l

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
