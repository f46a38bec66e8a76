"""Xero's per-tenant concurrency limit (5 requests in flight), as an ASGI wrapper.

It must see the whole life of a request, including injected latency, so it wraps the
common SandboxApp instead of living in a handler. A refused request is answered at once:
429, `X-Rate-Limit-Problem: concurrent`, `Retry-After: 1`, and is counted as a call.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from sandbox.common.app import CONTROL_PREFIX, SandboxApp
from sandbox.xero.errors import rate_limited
from sandbox.xero.limits import RateLimiter


class ConcurrencyGate:
    def __init__(self, app: SandboxApp, limiter: RateLimiter) -> None:
        self.app, self.limiter = app, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        tenant = _header(scope, b"xero-tenant-id")
        if not tenant:
            await self.app(scope, receive, send)
            return
        if not self.limiter.enter(tenant):
            route, _params, _known = self.app.router.match(scope["method"], scope["path"])
            self.app.calls.count(route.kind if route else "unknown",
                                 f"{scope['method']} {route.name if route else scope['path']}")
            response = rate_limited("concurrent", 1, self.limiter.peek(tenant)).response()
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.limiter.leave(tenant)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1").strip().lower())
    return ""
