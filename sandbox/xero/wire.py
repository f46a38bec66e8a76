"""Xero's JSON dialect: MS-JSON dates, exact decimals, the response envelope.

Responses write dates as `/Date(ms+0000)/` (midnight UTC for date-only fields, so
xero-python's UTC shift keeps the day) plus `DateString`-style ISO twins. Money is written
from `Decimal` text, never through float, so `1.10` stays `1.10` on the wire.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from starlette.responses import Response

PROVIDER_NAME = "Concord Sandbox"
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
_DECIMAL_MARK = re.compile(r'"@@dec:(-?[0-9.]+)@@"')


def ms(stamp: datetime) -> int:
    return int(stamp.timestamp() * 1000)


def msdate_time(stamp_ms: int) -> str:
    return f"/Date({stamp_ms}+0000)/"


def msdate(day: date) -> str:
    return msdate_time(ms(datetime.combine(day, time(), UTC)))


def iso_day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def parse_date(value: Any) -> date | None:
    """Request dates: `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss[…]` or `/Date(ms[+zzzz])/` (what
    xero-python sends for `date[ms-format]` fields). None if unparseable."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    found = _MS_DATE.match(text)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, UTC).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def parse_if_modified_since(value: str) -> datetime | None:
    """ISO (with or without zone, naive = UTC) or an HTTP-date; truncated to whole seconds
    as Xero does."""
    text = value.strip()
    stamp: datetime | None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            stamp = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).replace(microsecond=0)


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"@@dec:{value:f}@@"
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(body: Any) -> str:
    """JSON with Decimals written as exact numbers."""
    return _DECIMAL_MARK.sub(r"\1", json.dumps(body, default=_encode))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, headers=headers,
                    media_type="application/json; charset=utf-8")


def envelope(key: str, rows: list[dict[str, Any]], now_ms: int,
             pagination: dict[str, int] | None = None) -> dict[str, Any]:
    """The wrapper real responses carry and the spec omits."""
    body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK",
                            "ProviderName": PROVIDER_NAME, "DateTimeUTC": msdate_time(now_ms)}
    if pagination is not None:
        body["pagination"] = pagination
    body[key] = rows
    return body
