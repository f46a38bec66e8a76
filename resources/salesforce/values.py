"""Python values as Salesforce wants them on the wire, JSON (REST) or CSV (Bulk 2.0)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

BULK_NULL = "#N/A"  # Bulk 2.0: an empty cell leaves the field unchanged, #N/A sets it null


def _datetime_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetimes sent to Salesforce must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_value(value: Any) -> Any:
    """JSON-ready value. A Decimal goes out as a JSON number with exactly its digits: float
    repr is the shortest round-trip text, identical for up to 15 significant digits; longer
    ones go out as strings rather than be rounded."""
    if isinstance(value, Decimal):
        as_float = float(value)
        if Decimal(repr(as_float)) == value:
            return as_float
        return format(value, "f")
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_value(value: Any) -> str:
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
