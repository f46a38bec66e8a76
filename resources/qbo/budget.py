"""QBO's throttles per realm as one RateBudget: 500 calls a minute and 10 in flight for every
call, plus 40 a minute for batch POSTs (the sandbox and Intuit's limits page both apply it).

QBO sends no remaining-calls header, so the budget counts our own calls; it is shared by
every client of the realm in this process (`realm_budget`), as Xero's tenant budget is.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from resources.connector import LimitReading, RateBudget

from .profile import SYSTEM

MINUTE_LIMIT = 500
BATCH_MINUTE_LIMIT = 40
CONCURRENT_LIMIT = 10

BATCH = "batch"  # the call kind QboProfile gives POST /batch


class RealmBudget(RateBudget):
    """Every charged send (retries included) spends the realm's window; a batch POST also
    spends the batch window, told by the call kind the Transport passes."""

    def __init__(self, *, per_window: int = MINUTE_LIMIT,
                 batch_per_window: int = BATCH_MINUTE_LIMIT,
                 max_in_flight: int = CONCURRENT_LIMIT, window_seconds: float = 60.0) -> None:
        super().__init__(system=SYSTEM, per_window=per_window, window_seconds=window_seconds,
                         max_in_flight=max_in_flight)
        self.batches = RateBudget(system=SYSTEM, per_window=batch_per_window,
                                  window_seconds=window_seconds)

    def acquire(self, kind: str | None = None) -> None:
        if kind != BATCH:
            super().acquire(kind)
            return
        # Always batch window first, then the realm's: one order, no deadlock.
        self.batches.acquire(kind)
        try:
            super().acquire(kind)
        except BaseException:
            self.batches.settle(kind)
            raise

    def settle(self, kind: str | None = None) -> None:
        super().settle(kind)
        if kind == BATCH:
            self.batches.settle(kind)

    def observe(self, reading: LimitReading, kind: str | None = None) -> None:
        super().observe(reading, kind)
        if kind == BATCH:
            # A refused batch may have hit the batch limit rather than the minute limit.
            self.batches.observe(reading, kind)


_BUDGETS: dict[tuple[str, str], RealmBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def realm_budget(base_url: str, realm_id: str, *, minute_limit: int = MINUTE_LIMIT,
                 batch_limit: int = BATCH_MINUTE_LIMIT, concurrent: int = CONCURRENT_LIMIT,
                 window_seconds: float = 60.0) -> RealmBudget:
    """One budget per QBO host and realm in this process; the first caller's settings win."""
    key = (urlsplit(base_url).netloc, realm_id)
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get(key)
        if budget is None:
            budget = RealmBudget(per_window=minute_limit, batch_per_window=batch_limit,
                                 max_in_flight=concurrent, window_seconds=window_seconds)
            _BUDGETS[key] = budget
        return budget
