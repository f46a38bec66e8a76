"""Timestamps and dates from platform text to aware UTC, and back to the platform's form.

The platform stores naive local time ('2024-03-31 02:30:00', or German '31.03.2024 14:05');
the CRMs and ledgers speak ISO 8601 in UTC. Inside Concord every datetime is aware UTC.

DST, for a naive local time in ``local_tz``:

- a time in the spring-forward gap (Berlin 2024-03-31 02:00-02:59) never happened on a
  wall clock, so the record is refused (``timestamp.nonexistent_local_time``) rather
  than shifted by a guessed hour;
- a time in the fall-back hour (Berlin 2024-10-27 02:00-02:59) happened twice; we take the
  EARLIER instant (``fold=0``). Modification times feed change detection, and an early
  bound can only make a sync re-read a record, never miss one.

Rules raised: ``timestamp.empty``, ``timestamp.syntax``, ``timestamp.nonexistent_local_time``,
``date.syntax``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from concord.errors import ValidationError

_GERMAN = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*Uhr)?)?$"
)
# Xero's legacy JSON date: /Date(1326499200000+0000)/ (milliseconds since the epoch).
_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<off>[+-]\d{4})?\)/$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_START = re.compile(r"^\d{4}-?\d{2}-?\d{2}")  # fromisoformat also takes week dates and bare times


def _syntax(text: object) -> ValidationError:
    return ValidationError(
        f"{text!r} is not a timestamp (ISO 8601, 'YYYY-MM-DD HH:MM:SS' or 'dd.mm.yyyy HH:MM')",
        rule="timestamp.syntax",
        value=text,
    )


def localise(naive: datetime, local_tz: str) -> datetime:
    """Attach ``local_tz`` to a naive wall-clock time, refusing DST gaps (see module doc)."""
    zone = ZoneInfo(local_tz)
    aware = naive.replace(tzinfo=zone, fold=0)
    # A wall time in the gap does not survive the trip to UTC and back unchanged.
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive.replace(fold=0):
        raise ValidationError(
            f"{naive:%Y-%m-%d %H:%M:%S} does not exist in {local_tz} (clocks went forward)",
            rule="timestamp.nonexistent_local_time",
            value=naive,
        )
    return aware


def _parse_text(text: str) -> datetime:
    s = text.strip()
    if _ISO_START.match(s):  # the platform's own form, so first (the others need '.' or '/')
        try:
            return datetime.fromisoformat(s)
        except ValueError:
            raise _syntax(text) from None
    m = _GERMAN.match(s)
    if m:
        try:
            return datetime(
                int(m["y"]), int(m["m"]), int(m["d"]),
                int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0),
            )
        except ValueError:
            raise _syntax(text) from None
    m = _MS_DATE.match(s)
    if m:
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(m["ms"]))
        return instant  # the offset only says how Xero would display it
    raise _syntax(text)


def to_utc(value: str | datetime | date, *, local_tz: str = "Europe/Berlin") -> datetime:
    """An aware UTC datetime from text, a datetime or a date.

    Accepted: ISO 8601 with 'Z' or an offset (taken as written); naive ISO
    'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]', German 'dd.mm.yyyy[ HH:MM[:SS]]' and naive datetime
    objects (all read as wall-clock time in ``local_tz``); dates and date-only text
    (local midnight); Xero's '/Date(ms+0000)/'.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        if not value.strip():
            raise ValidationError("timestamp is empty", rule="timestamp.empty", value=value)
        dt = _parse_text(value)
    else:
        raise _syntax(value)
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = localise(dt, local_tz)
    return dt.astimezone(UTC)


def to_local_naive(dt_utc: datetime, local_tz: str) -> str:
    """'YYYY-MM-DD HH:MM:SS' wall-clock time in ``local_tz``, for querying the platform.

    Sub-seconds are dropped (truncated), so a window's start and end bounds move the same
    way and adjacent windows still meet. In the fall-back hour two instants render alike;
    the platform's naive text cannot tell them apart either.
    """
    if dt_utc.tzinfo is None or dt_utc.utcoffset() is None:
        raise ValueError("to_local_naive needs an aware datetime (Concord keeps UTC inside)")
    return dt_utc.astimezone(ZoneInfo(local_tz)).strftime("%Y-%m-%d %H:%M:%S")


def parse_date(text: str | date) -> date:
    """A calendar date from ISO 'YYYY-MM-DD' or German 'dd.mm.yyyy' ('1.3.2024' too).

    A date has no time zone: invoice and due dates are taken as written, never shifted.
    """
    if isinstance(text, datetime):
        raise ValidationError(
            f"{text!r} is a timestamp, not a date", rule="date.syntax", value=text
        )
    if isinstance(text, date):
        return text
    s = str(text).strip()
    try:
        if _ISO_DATE.match(s):
            return date.fromisoformat(s)
        m = _GERMAN.match(s)
        if m and m["H"] is None:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        pass
    raise ValidationError(
        f"{text!r} is not a date ('YYYY-MM-DD' or 'dd.mm.yyyy')", rule="date.syntax", value=text
    )
