"""Per-element outcome of a batch write (summarizeErrors=false answers one per input)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class XeroWriteResult:
    """`key` is what the caller matched on (InvoiceNumber, ContactNumber or Name)."""

    key: str | None
    success: bool
    xero_id: str | None
    errors: tuple[str, ...] = ()

    @property
    def invoice_id(self) -> str | None:
        return self.xero_id

    @property
    def contact_id(self) -> str | None:
        return self.xero_id
