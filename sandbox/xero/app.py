"""`python -m sandbox xero --port P --state-dir DIR [--scale-time F] [--minute-limit N]
[--day-limit N] [--concurrent-limit N] [--app-minute-limit N]`: the sandbox Xero
(identity + accounting API) over HTTPS on loopback."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from sandbox.common.app import SandboxApp
from sandbox.common.clock import MonotonicClock, ScaledClock
from sandbox.common.faults import FaultRule
from sandbox.common.router import ApiRequest
from sandbox.common.server import parse_options, serve
from sandbox.common.store import StateStore
from sandbox.common.tls import TlsFiles
from sandbox.xero.concurrency import ConcurrencyGate
from sandbox.xero.errors import not_found, problem, rate_limited
from sandbox.xero.handlers.base import Xero
from sandbox.xero.limits import LimitConfig, RateLimiter
from sandbox.xero.routes import API, build_router
from sandbox.xero.state import XeroState
from sandbox.xero.tokens import TokenService

_TITLES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


def fault_response(rule: FaultRule) -> Response:
    """An injected error in Xero's dialect. For 429 a rule body
    `{"rate_limit_problem": "day"}` picks the X-Rate-Limit-Problem (default minute)."""
    if rule.status == 429:
        limit = rule.body.get("rate_limit_problem", "minute") if isinstance(rule.body, dict) \
            else "minute"
        return rate_limited(limit, rule.retry_after or 1).response()
    injected = problem(rule.status, _TITLES.get(rule.status, "Error"), "Injected fault")
    if rule.body is not None:
        injected.body = rule.body
    if rule.retry_after is not None:
        injected.headers["Retry-After"] = str(rule.retry_after)
    return injected.response()


def _not_found(_req: ApiRequest) -> Response:
    return not_found().response()


def build_app(xero: Xero, clock: ScaledClock) -> ConcurrencyGate:
    # injected latency is wall time; a faster server clock makes it proportionally shorter
    app = SandboxApp(build_router(xero), fault_response=fault_response, not_found=_not_found,
                     scale_time=1 / clock.scale)

    def tenants(body: Any) -> list[str]:
        wanted = (body or {}).get("tenant_id")
        return [wanted] if wanted else list(xero.state.tenants)

    def set_limits(body: Any) -> dict[str, Any]:
        body = body or {}
        for tenant in tenants(body):
            if body.get("day_exhausted"):
                xero.limiter.set_day_used(tenant, xero.limiter.config.day_limit)
            elif "day_used" in body:
                xero.limiter.set_day_used(tenant, int(body["day_used"]))
        if body.get("minute_reset"):
            xero.limiter.reset_minute()
        return get_limits(body)

    def get_limits(body: Any) -> dict[str, Any]:
        cfg = xero.limiter.config
        return {"config": cfg.__dict__,
                "tenants": {t: xero.limiter.peek(t) for t in tenants(body)}}

    def advance(body: Any) -> dict[str, Any]:
        seconds = float((body or {}).get("seconds", 0))
        clock.advance(seconds)
        return {"now": clock.now()}

    def reset(_body: Any) -> dict[str, Any]:
        xero.state.wipe()
        xero.limiter.reset_minute()
        return {"ok": True}

    app.add_control("POST", "tokens/expire",
                    lambda _b: {"ok": True, "epoch": xero.tokens.expire_access_tokens()})
    app.add_control("GET", "limits", get_limits)
    app.add_control("POST", "limits", set_limits)
    app.add_control("GET", "clock", lambda _b: {"now": clock.now(), "scale": clock.scale})
    app.add_control("POST", "clock/advance", advance)
    app.add_control("POST", "reset", reset)
    return ConcurrencyGate(app, xero.limiter)


def _arguments(parser: argparse.ArgumentParser) -> None:
    defaults = LimitConfig()
    parser.add_argument("--minute-limit", type=int, default=defaults.minute_limit)
    parser.add_argument("--day-limit", type=int, default=defaults.day_limit)
    parser.add_argument("--concurrent-limit", type=int, default=defaults.concurrent_limit)
    parser.add_argument("--app-minute-limit", type=int, default=defaults.app_minute_limit)


def main(argv: Sequence[str]) -> int:
    options = parse_options(argv, "sandbox xero", _arguments)
    extra = options.extra
    store = StateStore(options.state_dir / "xero.sqlite3")
    tokens = TokenService(store, ScaledClock(options.scale_time))
    clock = ScaledClock(options.scale_time, floor=tokens.clock_floor())
    tokens.clock = clock
    limits = LimitConfig(extra.minute_limit, extra.day_limit, extra.concurrent_limit,
                         extra.app_minute_limit)
    xero = Xero(XeroState(store, MonotonicClock()), tokens, RateLimiter(clock, store, limits))
    app = build_app(xero, clock)

    def ready(base_url: str, tls: TlsFiles) -> dict[str, Any]:
        tenant = next(iter(xero.state.tenants))
        return {
            "name": "xero", "base_url": f"{base_url}{API}",
            "token_url": f"{base_url}/connect/token",
            "connections_url": f"{base_url}/connections",
            "identity_url": base_url,
            "control_url": f"{base_url}/__sandbox",
            "ca_bundle": str(tls.ca_bundle),
            "credentials": {**tokens.credentials(),
                            "refresh_token": tokens.current_refresh_token(),
                            "tenant_id": tenant,
                            "access_token": tokens.ready_access_token()},
        }

    try:
        return serve(app, options, ready)
    finally:
        store.close()
