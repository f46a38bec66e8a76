"""QBO's JSON and times on our side of the wire.

Money never passes through float: bodies are parsed with `parse_float=Decimal` and Decimals
are written as bare JSON numbers in their own scale (`405.00`), as QBO itself writes them.
Timestamps come back in the company's UTC offset (`2020-09-29T05:58:16-07:00`) and are
returned as aware datetimes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from concord.errors import ValidationError
from concord.normalise.timestamps import to_utc

_MARK = "\u0000qbo-decimal:"
_MARKED = re.compile(r'"\\u0000qbo-decimal:([-+0-9.Ee]+)"')


def _marked(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a JSON number: {value}")
        return _MARK + format(value, "f")
    if isinstance(value, dict):
        return {k: _marked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_marked(v) for v in value]
    if isinstance(value, float):
        raise TypeError("float in a QBO body: pass money as Decimal")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def dumps(value: Any) -> str:
    """JSON text with each Decimal a bare number (`Decimal('10.50')` -> `10.50`)."""
    return _MARKED.sub(r"\1", json.dumps(_marked(value), separators=(",", ":"),
                                          ensure_ascii=False, sort_keys=True))


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def money(value: Any) -> Decimal | None:
    """An amount as Decimal (`0` arrives as an int, `337.50` as a Decimal already)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def parse_time(text: Any) -> datetime | None:
    """`…T05:58:16-07:00`, `…Z`, `…+0100` -> aware datetime (UTC); None when absent or
    unreadable. A time without an offset is taken as UTC."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return to_utc(text, local_tz="UTC")
    except ValidationError:
        return None


def format_time(moment: datetime) -> str:
    """For `changedSince` and query literals: UTC, floored to the second (QBO's precision),
    so the cursor's overlap is re-read rather than skipped."""
    if moment.tzinfo is None:
        raise ValueError("timestamps sent to QBO must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def quote(value: str) -> str:
    """A query-language string literal: single quotes, `\\'` escapes a quote."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
