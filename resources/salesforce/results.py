"""Per-record write outcomes, the same shape whether they came from collections or Bulk 2.0."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WriteError:
    status_code: str
    message: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class WriteResult:
    """`key` is the external-id value (or the Id for updates and deletes), so callers can
    join results back to their input."""

    key: str
    success: bool
    record_id: str | None
    created: bool | None
    errors: tuple[WriteError, ...]


def from_collection_item(key: str, item: Mapping[str, Any]) -> WriteResult:
    errors = tuple(
        WriteError(
            status_code=str(err.get("statusCode") or "UNKNOWN"),
            message=str(err.get("message") or ""),
            fields=tuple(err.get("fields") or ()),
        )
        for err in item.get("errors") or ()
    )
    return WriteResult(
        key=key,
        success=bool(item.get("success")),
        record_id=item.get("id"),
        created=item.get("created"),
        errors=errors,
    )


def failure(key: str, code: str, message: str, fields: tuple[str, ...] = ()) -> WriteResult:
    return WriteResult(key, False, None, None, (WriteError(code, message, fields),))


_BULK_ERROR = re.compile(r"^(?P<code>[A-Z_]+):(?P<rest>.*)$", re.S)
_FIELDS_TAIL = re.compile(r":(?P<fields>[A-Za-z0-9_.,]*) --$")


def parse_bulk_error(text: str) -> WriteError:
    """Bulk 2.0's `sf__Error` cell: `CODE:message:Field1,Field2 --`."""
    text = text.strip()
    match = _BULK_ERROR.match(text)
    if not match:
        return WriteError("UNKNOWN", text, ())
    rest = match.group("rest")
    fields: tuple[str, ...] = ()
    tail = _FIELDS_TAIL.search(rest)
    if tail:
        fields = tuple(f for f in tail.group("fields").split(",") if f)
        rest = rest[: tail.start()]
    elif rest.endswith(" --"):
        rest = rest[:-3]
    return WriteError(match.group("code"), rest.strip(), fields)


def from_bulk_success(key: str, row: Mapping[str, str]) -> WriteResult:
    created = (row.get("sf__Created") or "").strip().lower()
    return WriteResult(
        key=key,
        success=True,
        record_id=row.get("sf__Id") or None,
        created=created == "true" if created else None,
        errors=(),
    )


def from_bulk_failure(key: str, row: Mapping[str, str]) -> WriteResult:
    return WriteResult(
        key=key,
        success=False,
        record_id=row.get("sf__Id") or None,
        created=None,
        errors=(parse_bulk_error(row.get("sf__Error") or ""),),
    )
