"""Salesforce's wire formats for dates and ids.

REST JSON renders datetimes as `2024-01-01T10:00:00.123+0000` (milliseconds, no colon in
the offset); Bulk API 2.0 CSV renders `2024-01-01T10:00:00.123Z`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_DT_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def render_datetime(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def render_bulk_datetime(rest_value: str) -> str:
    return rest_value.replace("+0000", "Z")


@lru_cache(maxsize=65536)
def parse_datetime(text: str) -> datetime | None:
    """Parse ISO-8601 as clients and SOQL send it; a missing offset means UTC."""
    m = _DT_RE.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, tzinfo=UTC)
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        value -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value


def parse_date(text: str) -> date | None:
    if not _DATE_RE.match(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def normalise_id(value: str) -> str:
    """Accept 15-char ids by re-deriving the 18-char form (the case-safe checksum)."""
    if len(value) == 18:
        return value
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in (value[0:5], value[5:10], value[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += alphabet[bits]
    return value + suffix
