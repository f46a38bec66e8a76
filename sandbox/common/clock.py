"""The sandboxes' clocks.

MonotonicClock: modification stamps. Incremental syncs filter on `SystemModstamp > cursor`;
two writes must never share a stamp or go backwards, even when the wall clock steps back or
two requests land in one millisecond. ScaledClock: durations, sped up for tests.
"""

from __future__ import annotations

import threading
import time
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


class ScaledClock:
    """Server time for durations (token lifetimes, rate windows), `--scale-time F` times
    faster than the wall clock, so limits can be exercised in seconds.

    Record stamps stay on the wall clock (MonotonicClock): clients compare them with their
    own clocks for cursors. `advance()` jumps forward, for "31 minutes later" in tests.
    """

    def __init__(self, scale: float = 1.0, *, floor: float = 0.0, offset: float = 0.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self._lock = threading.Lock()
        self._origin_wall = max(time.time(), floor)  # never behind a persisted stamp
        self._origin_mono = time.monotonic()
        self._offset = offset

    def now(self) -> float:
        """Scaled seconds since the epoch."""
        with self._lock:
            elapsed = time.monotonic() - self._origin_mono
            return self._origin_wall + elapsed * self.scale + self._offset

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> None:
        """Jump forward by `seconds` of scaled time (never backwards)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds

    @property
    def offset(self) -> float:
        """Seconds added by `advance()` (persisted by sandboxes that keep it across restarts)."""
        with self._lock:
            return self._offset

    def to_real_seconds(self, scaled_seconds: float) -> float:
        """How long `scaled_seconds` of server time lasts on the wall clock."""
        return scaled_seconds / self.scale
