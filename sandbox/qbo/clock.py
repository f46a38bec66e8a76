"""A time-scaled clock for durations: token lifetimes, refresh-token age, rate windows.

`--scale-time F` makes the server's durations pass F times faster (F = 60: an access token's
hour lasts one wall minute, a throttle minute one wall second). Entity timestamps
(`MetaData.LastUpdatedTime`) stay on the wall clock, because connectors compare them with
their own clock for cursors. The clock can be pushed forward through the control plane to
expire tokens or reset rate windows without waiting. Independent of QBO: liftable into
`sandbox/common`.
"""

from __future__ import annotations

import threading
import time


class ScaledClock:
    def __init__(self, factor: float = 1.0, offset: float = 0.0) -> None:
        if factor <= 0:
            raise ValueError("scale factor must be positive")
        self.factor = factor
        self._lock = threading.Lock()
        self._wall_anchor = time.time()
        self._mono_anchor = time.monotonic()
        self._offset = offset

    def now(self) -> float:
        """Scaled seconds since the epoch: wall time at start, then running F times faster."""
        with self._lock:
            elapsed = time.monotonic() - self._mono_anchor
            return self._wall_anchor + elapsed * self.factor + self._offset

    def advance(self, seconds: float) -> float:
        """Jump forward by `seconds` of scaled time (never backwards)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def wall_seconds(self, scaled: float) -> float:
        """How long `scaled` server seconds take on the wall clock (for injected delays)."""
        return scaled / self.factor
