"""`python -m sandbox qbo --port P --state-dir DIR [--scale-time F]`: the sandbox QuickBooks
Online (OAuth 2.0 + v3 company API) over HTTPS on loopback."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from sandbox.common.app import SandboxApp
from sandbox.common.clock import ScaledClock
from sandbox.common.faults import FaultRule
from sandbox.common.router import ApiRequest
from sandbox.common.server import parse_options, serve
from sandbox.common.store import StateStore
from sandbox.common.tls import TlsFiles
from sandbox.qbo import wire
from sandbox.qbo.faults import authentication_body, server_error, throttled, unsupported_operation
from sandbox.qbo.handlers.base import ERROR_TYPE, Qbo
from sandbox.qbo.oauth import OAuthState
from sandbox.qbo.routes import build_router
from sandbox.qbo.seed import seed_company
from sandbox.qbo.state import Company, SandboxState
from sandbox.qbo.throttle import RealmThrottle, ThrottledApp

REDIRECT_URI = "https://127.0.0.1/callback"
DISCOVERY_PATH = "/.well-known/openid_sandbox_configuration"


def fault_response(rule: FaultRule) -> Response:
    """An injected error in QBO's dialect (a rule's own `body` wins)."""
    headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
    if rule.body is not None:
        return wire.json_response(rule.body, rule.status, headers, media_type=ERROR_TYPE)
    if rule.status == 401:
        return wire.json_response(authentication_body("Token expired"), 401,
                                  {**(headers or {}), "WWW-Authenticate":
                                   'Bearer realm="Intuit", error="invalid_token"'},
                                  media_type=ERROR_TYPE)
    fault = throttled() if rule.status == 429 else server_error(rule.status)
    return wire.json_response({"Fault": fault.body()}, rule.status, headers,
                              media_type=ERROR_TYPE)


def _not_found(req: ApiRequest) -> Response:
    fault = unsupported_operation(f"Could not find resource for relative : {req.path} of full "
                                  f"path: {req.path}")
    return wire.json_response({"Fault": fault.body()}, 400, media_type=ERROR_TYPE)


def create_realm(state: SandboxState, body: dict[str, Any]) -> Company:
    country = str(body.get("country", "FR")).upper()
    company = state.add_realm(
        company_name=str(body.get("company_name") or f"Concord Sandbox {country}"),
        country=country,
        home_currency=str(body.get("home_currency") or ("USD" if country == "US" else "EUR")),
        multi_currency=bool(body.get("multi_currency", country != "US")),
        timezone=str(body.get("timezone") or ("America/Los_Angeles" if country == "US"
                                               else "Europe/Paris")))
    with state.lock, state.store.transaction():
        seed_company(company)
    return company


def build_app(qbo: Qbo, throttle: RealmThrottle) -> ThrottledApp:
    app = SandboxApp(build_router(qbo), fault_response=fault_response, not_found=_not_found,
                     scale_time=1 / qbo.clock.scale)

    def new_realm(body: Any) -> dict[str, Any]:
        company = create_realm(qbo.state, body or {})
        return {"realm_id": company.realm_id, **qbo.oauth.connect(company.realm_id)}

    def connect(body: Any) -> dict[str, Any]:
        realm_id = str((body or {}).get("realm_id") or next(iter(qbo.state.companies)))
        if qbo.state.company(realm_id) is None:
            raise KeyError(f"unknown realm {realm_id}")
        return {"realm_id": realm_id, **qbo.oauth.connect(realm_id)}

    def advance(body: Any) -> dict[str, Any]:
        qbo.clock.advance(float((body or {}).get("seconds", 0)))
        offset = qbo.clock.offset
        qbo.state.store.put_json("clock_offset", offset)
        return {"offset_seconds": offset, "now": qbo.clock.now()}

    def cdc_settings(body: Any) -> dict[str, Any]:
        enforce = bool((body or {}).get("enforce_30_days", False))
        qbo.state.store.put_json("cdc_enforce_30_days", enforce)
        return {"enforce_30_days": enforce}

    app.add_control("POST", "tokens/expire",
                    lambda _b: {"ok": True, "epoch": qbo.oauth.expire_access_tokens()})
    app.add_control("POST", "clock/advance", advance)
    app.add_control("GET", "clock", lambda _b: {"now": qbo.clock.now(),
                                                "factor": qbo.clock.scale,
                                                "offset_seconds": qbo.clock.offset})
    app.add_control("GET", "oauth", lambda _b: qbo.oauth.policy())
    app.add_control("POST", "oauth", lambda b: qbo.oauth.set_policy(b or {}))
    app.add_control("GET", "limits", lambda _b: throttle.snapshot())
    app.add_control("POST", "limits", lambda b: throttle.configure(b or {}))
    app.add_control("POST", "realms", new_realm)
    app.add_control("GET", "realms", lambda _b: {"realms": [
        c.settings.__dict__ for c in qbo.state.companies.values()]})
    app.add_control("POST", "connect", connect)
    app.add_control("POST", "cdc", cdc_settings)
    return ThrottledApp(app, throttle)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--country", default="FR", help="default company's country (first start)")
    parser.add_argument("--home-currency", default=None, help="default company's home currency")
    parser.add_argument("--no-multi-currency", action="store_true",
                        help="default company without multi-currency")


def main(argv: Sequence[str]) -> int:
    options = parse_options(argv, "sandbox qbo", _arguments)
    if options.scale_time <= 0:
        raise SystemExit("--scale-time must be positive")
    store = StateStore(options.state_dir / "qbo.sqlite3")
    clock = ScaledClock(options.scale_time, offset=float(store.get_json("clock_offset", 0.0)))
    state = SandboxState(store)
    if not state.companies:
        extra = options.extra
        create_realm(state, {"country": extra.country, "home_currency": extra.home_currency,
                             "multi_currency": not extra.no_multi_currency})
    qbo = Qbo(state, OAuthState(store, clock), clock)
    app = build_app(qbo, RealmThrottle(clock))
    realm_id = next(iter(state.companies))

    def ready(base_url: str, tls: TlsFiles) -> dict[str, Any]:
        grant = qbo.oauth.connect(realm_id)
        return {
            "name": "qbo", "base_url": base_url,
            "token_url": f"{base_url}/oauth2/v1/tokens/bearer", "ca_bundle": str(tls.ca_bundle),
            "control_url": f"{base_url}/__sandbox", "minorversion": 75,
            "credentials": {**qbo.oauth.credentials(), "refresh_token": grant["refresh_token"],
                            "realm_id": realm_id, "discovery_url": base_url + DISCOVERY_PATH,
                            "access_token": grant["access_token"],
                            "redirect_uri": REDIRECT_URI},
        }

    try:
        return serve(app, options, ready)
    finally:
        store.close()
