"""A strictly monotonic millisecond clock for modification stamps.

Incremental syncs filter on `SystemModstamp > cursor`; two writes must never share a stamp
or go backwards, even when the wall clock steps back or two requests land in one millisecond.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class MonotonicClock:
    def __init__(self, floor: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._last = floor or datetime(1970, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """Current UTC time in whole milliseconds (read-only uses; may repeat)."""
        wall = datetime.now(UTC)
        return wall.replace(microsecond=wall.microsecond // 1000 * 1000)

    def tick(self) -> datetime:
        """A stamp for a write: the wall clock, but always later than the previous tick."""
        with self._lock:
            stamp = max(self.now(), self._last + timedelta(milliseconds=1))
            self._last = stamp
            return stamp

    def advance_past(self, stamp: datetime) -> None:
        """After a restart, never hand out stamps at or before one already persisted."""
        with self._lock:
            self._last = max(self._last, stamp)
