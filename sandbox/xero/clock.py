"""A time-scaled clock for rate windows and token lifetimes (separable: no Xero imports).

`--scale-time F` makes the server's notion of time run F times faster than the wall clock,
so a 60-second rate window lasts 60/F real seconds and a 30-minute access token 1800/F.
Record stamps (UpdatedDateUTC) keep using the real wall clock: clients compare them with
their own clocks (If-Modified-Since). `advance()` jumps forward for tests ("31 minutes later").
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class ScaledClock:
    def __init__(self, scale: float = 1.0, floor: float = 0.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self._lock = threading.Lock()
        self._origin_wall = max(time.time(), floor)
        self._origin_mono = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        """Scaled seconds since the epoch (never behind `floor`, e.g. a persisted stamp)."""
        with self._lock:
            elapsed = time.monotonic() - self._origin_mono
            return self._origin_wall + elapsed * self.scale + self._offset

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> float:
        """Jump the scaled clock forward by `seconds` of scaled time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def to_real_seconds(self, scaled_seconds: float) -> float:
        """How long `scaled_seconds` of server time lasts on the wall clock."""
        return scaled_seconds / self.scale
