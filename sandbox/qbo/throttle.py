"""QBO's throttles per realm: 500 requests per (scaled) minute, 10 concurrent requests, 40
batch requests per minute. Over a limit: HTTP 429, Fault type SERVICE code 3001 (QBO sends
no Retry-After; its docs say wait 60 s).

The check sits in an ASGI wrapper in front of the shared `SandboxApp`, so a request that is
in flight (including one held by an injected latency fault) occupies a concurrency slot.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.types import Receive, Scope, Send

from sandbox.common.app import SandboxApp
from sandbox.common.clock import ScaledClock
from sandbox.qbo import wire
from sandbox.qbo.faults import throttled

_REALM_PATH = re.compile(r"^/v3/company/([^/]+)/")
WINDOW = 60.0


@dataclass
class Limits:
    per_minute: int = 500
    concurrent: int = 10
    batch_per_minute: int = 40


@dataclass
class RealmThrottle:
    clock: ScaledClock
    limits: Limits = field(default_factory=Limits)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _calls: dict[str, deque[float]] = field(default_factory=dict)
    _batches: dict[str, deque[float]] = field(default_factory=dict)
    _inflight: dict[str, int] = field(default_factory=dict)

    def enter(self, realm: str, is_batch: bool) -> str | None:
        """Take a slot; returns the limit that refused the request, or None."""
        now = self.clock.now()
        with self._lock:
            calls = self._calls.setdefault(realm, deque())
            batches = self._batches.setdefault(realm, deque())
            for window in (calls, batches):
                while window and window[0] <= now - WINDOW:
                    window.popleft()
            if self._inflight.get(realm, 0) >= self.limits.concurrent:
                return "concurrent"
            if len(calls) >= self.limits.per_minute:
                return "minute"
            if is_batch and len(batches) >= self.limits.batch_per_minute:
                return "batch"
            calls.append(now)
            if is_batch:
                batches.append(now)
            self._inflight[realm] = self._inflight.get(realm, 0) + 1
            return None

    def leave(self, realm: str) -> None:
        with self._lock:
            self._inflight[realm] = max(self._inflight.get(realm, 1) - 1, 0)

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for key in ("per_minute", "concurrent", "batch_per_minute"):
                if key in body:
                    setattr(self.limits, key, int(body[key]))
            if body.get("reset"):
                self._calls.clear()
                self._batches.clear()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {**self.limits.__dict__,
                "inflight": dict(self._inflight),
                "window_calls": {r: len(d) for r, d in self._calls.items()}}


class ThrottledApp:
    """ASGI: the realm throttle in front of the shared sandbox app."""

    def __init__(self, inner: SandboxApp, throttle: RealmThrottle) -> None:
        self.inner = inner
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _REALM_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.inner(scope, receive, send)
            return
        realm = match.group(1)
        refused = self.throttle.enter(realm, scope["path"].rstrip("/").endswith("/batch"))
        if refused is not None:
            self.inner.calls.count("throttled", f"{scope['method']} throttled:{refused}")
            fault = throttled()
            body = {"Fault": fault.body(), "time": wire.render_time(datetime.now(UTC),
                                                                    wire.zone("UTC"))}
            await wire.json_response(body, 429, media_type="application/json")(
                scope, receive, send)
            return
        try:
            await self.inner(scope, receive, send)
        finally:
            self.throttle.leave(realm)
