"""QBO's JSON on the wire: Decimal numbers, company-local timestamps, the `intuit_tid` header.

Amounts are JSON numbers with their scale kept (`337.50`, `0`), so Decimals are written as
raw number text instead of going through float.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

_MARK = "\u0000D:"
_MARKED = re.compile(r'"\\u0000D:([-+0-9.Ee]+)"')
JSON_TYPE = "application/json;charset=utf-8"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == 0:
            return _MARK + "0"
        return _MARK + format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _mark_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _default(value)
    if isinstance(value, dict):
        return {k: _mark_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_decimals(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON text with every Decimal written as a bare number in its own scale."""
    return _MARKED.sub(r"\1", json.dumps(_mark_decimals(value), separators=(",", ":"),
                                          ensure_ascii=False))


def loads(text: str | bytes) -> Any:
    """Parse with Decimal for every non-integer number (money never passes through float)."""
    return json.loads(text, parse_float=Decimal)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def render_stamp(moment: datetime, tz: ZoneInfo) -> str:
    """`MetaData` times: second precision in the company's UTC offset (`…T05:58:16-07:00`)."""
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def render_time(moment: datetime, tz: ZoneInfo) -> str:
    """The envelope's `time`: milliseconds and offset (`2020-09-29T06:00:06.413-07:00`)."""
    local = moment.astimezone(tz)
    return local.isoformat(timespec="milliseconds")


def parse_stamp(text: str) -> datetime | None:
    """Query/CDC datetimes: `2024-01-01T00:00:00Z`, `…-08:00`, `…+0100` or a bare date (UTC)."""
    value = text.strip()
    if not value:
        return None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def intuit_tid() -> str:
    return f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  media_type: str = JSON_TYPE) -> Response:
    merged = {"intuit_tid": intuit_tid(), **(headers or {})}
    return Response(dumps(body), status_code=status, headers=merged, media_type=media_type)
