"""The allowance of calls a system grants, read from its headers and spent before sending.

Two windows and a concurrency cap, each optional:
- a long one (Salesforce's daily `api-usage=USED/MAX`, Xero's day limit): when the calls
  left fall to `reserve`, `acquire()` refuses with RateLimitExhausted so the run checkpoints
  and stops while a margin stays for people and other integrations;
- a short one (Xero's 60 a minute): `acquire()` blocks until a call is allowed. A call
  holds its slot from `acquire()` until `settle()` and then for `window_seconds` counted
  from its ANSWER: the server saw it somewhere between the two, so a window measured from
  the answer never starts before the server's own, and the next call cannot arrive early;
- `max_in_flight` (Xero's 5 concurrent per tenant): at most that many calls between
  `acquire()` and `settle()`.
The server's "0 left this window" is believed over our own count only when our count
says otherwise: someone else spends this tenant's allowance, so wait out a whole window.
"""

from __future__ import annotations

import bisect
import threading
import time
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
        max_in_flight: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.system = system
        self.reserve = reserve
        self.per_window = per_window
        self.window_seconds = window_seconds
        self.max_in_flight = max_in_flight
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._remaining: int | None = None
        self._limit: int | None = None
        self._answered: list[float] = []  # answer times still inside the window, sorted
        self._in_flight = 0
        self.peak_in_flight = 0
        self._blocked_until = 0.0

    @property
    def remaining(self) -> int | None:
        with self._lock:
            return self._remaining

    @property
    def limit(self) -> int | None:
        with self._lock:
            return self._limit

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def observe(self, reading: LimitReading, kind: str | None = None) -> None:
        """`kind`: the call kind the reading came with (a subclass may keep a window per
        kind; this budget has one for all)."""
        with self._lock:
            if reading.remaining is not None:
                self._remaining = reading.remaining
            if reading.limit is not None:
                self._limit = reading.limit
            if reading.window_remaining is not None and reading.window_remaining <= 0:
                now = self._clock()
                if reading.window_reset_after is not None:
                    wait = reading.window_reset_after
                elif self.per_window is not None and self._used_locked(now) >= self.per_window:
                    return  # our own window already accounts for every call the server saw
                else:
                    wait = self.window_seconds
                self._blocked_until = max(self._blocked_until, now + wait)

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

    def _used_locked(self, now: float) -> int:
        cut = bisect.bisect_right(self._answered, now - self.window_seconds)
        if cut:
            del self._answered[:cut]
        return len(self._answered) + self._in_flight

    def _wait_locked(self, now: float) -> float | None:
        """0 when a call may go now, seconds to wait, or None: wait for a settle()."""
        if self._blocked_until > now:
            return self._blocked_until - now
        if self.max_in_flight is not None and self._in_flight >= self.max_in_flight:
            return None
        if self.per_window is not None and self._used_locked(now) >= self.per_window:
            if not self._answered:
                return None  # every slot is a call still in flight
            return self._answered[0] + self.window_seconds - now
        return 0.0

    def acquire(self, kind: str | None = None) -> None:
        """Take one call: raise when the allowance is used up, block while the window is full
        or too many calls are in flight. Pair with `settle()` once the answer is in."""
        while True:
            with self._lock:
                self._check_locked()
                wait = self._wait_locked(self._clock())
                if wait is not None and wait <= 0:
                    self._in_flight += 1
                    self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
                    if self._remaining is not None:
                        # Spend optimistically so parallel senders cannot overshoot; the
                        # next response header puts the true figure back.
                        self._remaining -= 1
                    return
                if wait is None:
                    self._settled.wait(timeout=1.0)
                    continue
            self._sleep(wait)

    def settle(self, kind: str | None = None) -> None:
        """The call's answer arrived (or it failed): its window starts now."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if self.per_window is not None:
                bisect.insort(self._answered, self._clock())
            self._settled.notify_all()

    def as_dict(self) -> dict[str, int | None]:
        with self._lock:
            return {"remaining": self._remaining, "limit": self._limit, "reserve": self.reserve}
