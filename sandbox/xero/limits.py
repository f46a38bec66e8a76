"""Xero's per-tenant rate limits, on the scaled clock.

Per tenant: `minute_limit` calls in any 60 s (sliding window), `day_limit` calls per day
(a 24 h window opened by the first call), `concurrent_limit` requests in flight; per app:
`app_minute_limit` calls in any 60 s over all tenants. Every accounting response carries
X-MinLimit-Remaining, X-DayLimit-Remaining, X-AppMinLimit-Remaining; a refused call gets
429 with Retry-After (real seconds) and X-Rate-Limit-Problem: minute|day|concurrent|appminute.
Refused calls are not charged. Day usage is persisted (a restart does not reset it).
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from sandbox.common.clock import ScaledClock
from sandbox.common.store import StateStore

MINUTE = 60.0
DAY = 86400.0


@dataclass(frozen=True)
class LimitConfig:
    minute_limit: int = 60
    day_limit: int = 5000
    concurrent_limit: int = 5
    app_minute_limit: int = 10000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    problem: str = ""
    retry_after: int = 0


class RateLimiter:
    def __init__(self, clock: ScaledClock, store: StateStore, config: LimitConfig) -> None:
        self.clock, self.store, self.config = clock, store, config
        self._lock = threading.Lock()
        self._minute: dict[str, deque[float]] = defaultdict(deque)
        self._app: deque[float] = deque()
        self._in_flight: dict[str, int] = defaultdict(int)

    # ----- day window (persisted) ----------------------------------------------------------
    def _day(self, tenant: str, now: float) -> dict[str, float]:
        day = self.store.get_json(f"day_usage/{tenant}")
        if day is None or now - day["start"] >= DAY:
            day = {"start": now, "used": 0}
        return day

    def set_day_used(self, tenant: str, used: int) -> dict[str, float]:
        with self._lock:
            day = self._day(tenant, self.clock.now())
            day["used"] = used
            self.store.put_json(f"day_usage/{tenant}", day)
            return day

    def reset_minute(self) -> None:
        with self._lock:
            self._minute.clear()
            self._app.clear()

    def _retry(self, scaled_seconds: float) -> int:
        return max(1, math.ceil(self.clock.to_real_seconds(max(scaled_seconds, 0.0))))

    def _headers(self, tenant: str, now: float, day_used: float) -> dict[str, str]:
        window = self._minute[tenant]
        while window and now - window[0] >= MINUTE:
            window.popleft()
        while self._app and now - self._app[0] >= MINUTE:
            self._app.popleft()
        cfg = self.config
        return {"X-MinLimit-Remaining": str(max(0, cfg.minute_limit - len(window))),
                "X-DayLimit-Remaining": str(max(0, cfg.day_limit - int(day_used))),
                "X-AppMinLimit-Remaining": str(max(0, cfg.app_minute_limit - len(self._app)))}

    def charge(self, tenant: str) -> Verdict:
        """Count one call, or refuse it naming the limit it hit."""
        with self._lock:
            now = self.clock.now()
            day = self._day(tenant, now)
            headers = self._headers(tenant, now, day["used"])
            window = self._minute[tenant]
            if day["used"] >= self.config.day_limit:
                return Verdict(False, headers, "day", self._retry(day["start"] + DAY - now))
            if len(window) >= self.config.minute_limit:
                return Verdict(False, headers, "minute", self._retry(window[0] + MINUTE - now))
            if len(self._app) >= self.config.app_minute_limit:
                return Verdict(False, headers, "appminute",
                               self._retry(self._app[0] + MINUTE - now))
            window.append(now)
            self._app.append(now)
            day["used"] += 1
            self.store.put_json(f"day_usage/{tenant}", day)
            return Verdict(True, self._headers(tenant, now, day["used"]))

    def peek(self, tenant: str) -> dict[str, str]:
        with self._lock:
            now = self.clock.now()
            return self._headers(tenant, now, self._day(tenant, now)["used"])

    # ----- concurrency (entered from the event loop around the whole request) -------------
    def enter(self, tenant: str) -> bool:
        with self._lock:
            if self._in_flight[tenant] >= self.config.concurrent_limit:
                return False
            self._in_flight[tenant] += 1
            return True

    def leave(self, tenant: str) -> None:
        with self._lock:
            self._in_flight[tenant] = max(0, self._in_flight[tenant] - 1)
