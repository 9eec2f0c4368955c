"""Time helpers: the database stores naive UTC datetimes everywhere."""
from datetime import datetime, time, timedelta, timezone


def utcnow():
    """Return the current time as a naive UTC datetime (the storage convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_naive_utc(value):
    """Convert an aware datetime to naive UTC; naive values are taken as UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def isoformat_utc(value):
    """Format a stored naive-UTC datetime as ISO 8601 with an explicit Z."""
    return value.replace(microsecond=0).isoformat() + "Z"


def local_day_bounds(day, timezone_):
    """Return the naive-UTC [start, end) of a calendar day in `timezone_` (a tzinfo)."""
    start = datetime.combine(day, time.min, tzinfo=timezone_)
    return to_naive_utc(start), to_naive_utc(start + timedelta(days=1))
