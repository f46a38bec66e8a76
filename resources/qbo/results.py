"""What the QBO client hands back: per-item write outcomes and changed records.

Amounts are Decimal, times aware; the raw entity stays available for the sync's read-back
and reconciliation (QBO computes tax and totals itself: compare, do not assume).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .wire import money, parse_time


@dataclass(frozen=True)
class QboError:
    """One `Fault.Error` entry: code (`5010`, `6240`, `610`, …), message and detail."""

    code: str
    message: str
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.code} {self.message}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass(frozen=True)
class QboWriteResult:
    """`key` is what the caller matched on: DocNumber (invoices), DisplayName (customers),
    Name (items), or the Id for updates of records without one.

    `recovered` says how an outcome was learnt other than from the write's own answer:
    `read_back` (the answer was lost, the record was found), `replanned` (a 5010 stale
    object, re-read and written again)."""

    key: str | None
    success: bool
    operation: str
    qbo_id: str | None = None
    sync_token: str | None = None
    errors: tuple[QboError, ...] = ()
    entity: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    recovered: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.errors)

    @property
    def message(self) -> str:
        return "; ".join(str(e) for e in self.errors)

    @property
    def total_amt(self) -> Decimal | None:
        return money((self.entity or {}).get("TotalAmt"))

    @property
    def last_updated(self) -> datetime | None:
        return parse_time(((self.entity or {}).get("MetaData") or {}).get("LastUpdatedTime"))


@dataclass(frozen=True)
class QboChange:
    """One record changed since a cursor: the live entity, or a tombstone (`deleted`)."""

    entity_type: str
    qbo_id: str
    deleted: bool
    last_updated: datetime | None
    row: dict[str, Any] = field(repr=False, compare=False)


def errors_of(fault: Any) -> tuple[QboError, ...]:
    """`{"Error": [...]}` (Fault) or the 401's lower-case `{"error": [...]}`."""
    if not isinstance(fault, dict):
        return ()
    items = fault.get("Error") or fault.get("error") or []
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            out.append(QboError(code=str(item.get("code") or ""),
                                message=str(item.get("Message") or item.get("message") or ""),
                                detail=str(item.get("Detail") or item.get("detail") or "")[:500]))
    return tuple(out)
