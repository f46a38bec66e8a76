"""The allowance of calls a system grants, read from its headers and spent before sending.

Two windows, either optional:
- a long one (Salesforce's daily `api-usage=USED/MAX`, Xero's day limit): when the calls
  left fall to `reserve`, `acquire()` refuses with RateLimitExhausted so the run checkpoints
  and stops while a margin stays for people and other integrations;
- a short one (Xero's 60 a minute): `acquire()` blocks until a call is allowed, counting
  our own sends in a sliding window and obeying the server's own "0 left this window" hint.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from concord.errors import RateLimitExhausted


@dataclass(frozen=True)
class LimitReading:
    """What one response said about the allowance; None where the system said nothing."""

    remaining: int | None = None
    limit: int | None = None
    window_remaining: int | None = None
    window_reset_after: float | None = None


class RateBudget:
    def __init__(
        self,
        *,
        system: str | None = None,
        reserve: int = 0,
        per_window: int | None = None,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.system = system
        self.reserve = reserve
        self.per_window = per_window
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._limit: int | None = None
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0

    @property
    def remaining(self) -> int | None:
        with self._lock:
            return self._remaining

    @property
    def limit(self) -> int | None:
        with self._lock:
            return self._limit

    def observe(self, reading: LimitReading) -> None:
        with self._lock:
            if reading.remaining is not None:
                self._remaining = reading.remaining
            if reading.limit is not None:
                self._limit = reading.limit
            if reading.window_remaining is not None and reading.window_remaining <= 0:
                wait = reading.window_reset_after
                if wait is None:
                    wait = self.window_seconds
                self._blocked_until = max(self._blocked_until, self._clock() + wait)

    def check(self) -> None:
        """Refuse when the long-window allowance is down to the reserve."""
        with self._lock:
            self._check_locked()

    def _check_locked(self) -> None:
        if self._remaining is not None and self._remaining <= self.reserve:
            raise RateLimitExhausted(
                f"call allowance down to {self._remaining} of {self._limit} "
                f"(reserve {self.reserve}); stopping before the limit",
                system=self.system,
                vendor_code="RESERVE_REACHED",
            )

    def acquire(self) -> None:
        """Take one call: raise when the allowance is used up, block while the window is full."""
        while True:
            with self._lock:
                self._check_locked()
                now = self._clock()
                wait = self._blocked_until - now
                if wait <= 0 and self.per_window is not None:
                    while self._sent and self._sent[0] <= now - self.window_seconds:
                        self._sent.popleft()
                    if len(self._sent) >= self.per_window:
                        wait = self._sent[0] + self.window_seconds - now
                if wait <= 0:
                    self._sent.append(now)
                    if self._remaining is not None:
                        # Spend optimistically so parallel senders cannot overshoot; the
                        # next response header puts the true figure back.
                        self._remaining -= 1
                    return
            self._sleep(wait)

    def as_dict(self) -> dict[str, int | None]:
        with self._lock:
            return {"remaining": self._remaining, "limit": self._limit, "reserve": self.reserve}
