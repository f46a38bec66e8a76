"""`python -m sandbox salesforce --port P --state-dir DIR [--scale-time F] [--daily-limit N]
[--token-ttl S]`: the sandbox Salesforce org over HTTPS on loopback."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from sandbox.common.app import SandboxApp
from sandbox.common.clock import MonotonicClock
from sandbox.common.faults import FaultRule
from sandbox.common.router import ApiRequest
from sandbox.common.server import parse_options, serve
from sandbox.common.store import StateStore
from sandbox.common.tls import TlsFiles
from sandbox.salesforce.errors import json_response, not_found
from sandbox.salesforce.handlers.auth import VERSIONS
from sandbox.salesforce.handlers.base import Org
from sandbox.salesforce.routes import build_router
from sandbox.salesforce.state import OrgState

API_VERSION = VERSIONS[2][0]  # 60.0, the version Concord pins
_FAULT_CODES = {429: ("REQUEST_LIMIT_EXCEEDED",
                      "ConcurrentPerOrgLongTxn Limit exceeded."),
                503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable, try again later.")}


def fault_response(rule: FaultRule) -> Response:
    """An injected error in Salesforce's dialect (the body a rule gives wins)."""
    code, message = _FAULT_CODES.get(rule.status, ("UNKNOWN_EXCEPTION",
                                                   "An unexpected error occurred."))
    body = rule.body if rule.body is not None else [{"message": message, "errorCode": code}]
    headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
    return json_response(body, rule.status, headers)


def _not_found(_req: ApiRequest) -> Response:
    return json_response(not_found().body(), 404)


def build_app(state: OrgState, scale_time: float = 1.0) -> SandboxApp:
    org = Org(state)
    app = SandboxApp(build_router(org), fault_response=fault_response, not_found=_not_found,
                     scale_time=scale_time)

    def expire_tokens(_body: Any) -> dict[str, Any]:
        return {"ok": True, "epoch": state.expire_tokens()}

    def set_limits(body: Any) -> dict[str, Any]:
        body = body or {}
        if body.get("exhausted"):
            usage = state.usage()
            return state.set_usage(used=usage["max"])
        return state.set_usage(used=body.get("used"), maximum=body.get("max"))

    def reset(_body: Any) -> dict[str, Any]:
        state.wipe()
        return {"ok": True}

    app.add_control("POST", "tokens/expire", expire_tokens)
    app.add_control("POST", "limits", set_limits)
    app.add_control("GET", "limits", lambda _b: state.usage())
    app.add_control("POST", "reset", reset)
    return app


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--daily-limit", type=int, default=None,
                        help="DailyApiRequests Max (default 100000, kept across restarts)")
    parser.add_argument("--token-ttl", type=float, default=None,
                        help="seconds an access token stays valid (default: until expired)")


def main(argv: Sequence[str]) -> int:
    options = parse_options(argv, "sandbox salesforce", _arguments)
    store = StateStore(options.state_dir / "salesforce.sqlite3")
    state = OrgState(store, MonotonicClock(), daily_limit=options.extra.daily_limit,
                     token_ttl=options.extra.token_ttl)
    app = build_app(state, options.scale_time)

    def ready(base_url: str, tls: TlsFiles) -> dict[str, Any]:
        return {
            "name": "salesforce", "base_url": base_url,
            "token_url": f"{base_url}/services/oauth2/token", "ca_bundle": str(tls.ca_bundle),
            "api_version": API_VERSION,
            "control_url": f"{base_url}/__sandbox",
            "credentials": {**state.credentials(), "access_token": state.ready_token()},
        }

    try:
        return serve(app, options, ready)
    finally:
        store.close()
