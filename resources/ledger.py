"""The ledger as a Dagster resource: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import dagster as dg

from concord.ledger import Ledger

_OPEN: dict[str, Ledger] = {}


class LedgerResource(dg.ConfigurableResource):
    """Our own state; URL from CONCORD_LEDGER_URL. Migrated to head on first use."""

    url: str

    def open(self) -> Ledger:
        ledger = _OPEN.get(self.url)
        if ledger is None:
            ledger = _OPEN[self.url] = Ledger.open(self.url)
        return ledger
