"""What every v3 company call shares: the bearer token (401 in QBO's lower-case dialect),
the realm in the path (403 for a realm the token is not for), `minorversion`, and turning a
`QboFault` into its Fault body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from starlette.responses import Response

from sandbox.common.clock import ScaledClock
from sandbox.common.router import ApiRequest
from sandbox.qbo import wire
from sandbox.qbo.faults import (
    WWW_AUTHENTICATE,
    QboFault,
    authentication_body,
    forbidden_realm,
)
from sandbox.qbo.oauth import OAuthState
from sandbox.qbo.state import Company, SandboxState

MINOR_VERSION = 75  # versions 1-74 are retired; missing or lower is served as 75
ERROR_TYPE = "application/json"  # error bodies carry no charset in the recordings


@dataclass
class Qbo:
    state: SandboxState
    oauth: OAuthState
    clock: ScaledClock

    def base_url(self, req: ApiRequest) -> str:
        return f"https://{req.headers.get('host', '127.0.0.1')}"


ApiHandler = Callable[[Qbo, ApiRequest, Company], Response]


def fault_response(fault: QboFault, company: Company | None) -> Response:
    body: dict[str, Any] = {"Fault": fault.body()}
    if company is not None:
        body["time"] = company.time()
    return wire.json_response(body, fault.status, media_type=ERROR_TYPE)


def unauthorized(detail: str) -> Response:
    return wire.json_response(authentication_body(detail), 401,
                              {"WWW-Authenticate": WWW_AUTHENTICATE}, media_type=ERROR_TYPE)


def api_call(fn: ApiHandler) -> Callable[[Qbo, ApiRequest], Response]:
    @wraps(fn)
    def wrapper(qbo: Qbo, req: ApiRequest) -> Response:
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return unauthorized("Token invalid")
        grant, reason = qbo.oauth.check_access(token.strip())
        if grant is None:
            return unauthorized(reason)
        company = qbo.state.company(req.path_params.get("realm", ""))
        if company is None or grant.realm_id != company.realm_id:
            return fault_response(forbidden_realm(), None)
        with qbo.state.lock:
            try:
                return fn(qbo, req, company)
            except QboFault as fault:
                return fault_response(fault, company)
    return wrapper


def ok(company: Company, body: dict[str, Any]) -> Response:
    return wire.json_response({**body, "time": company.time()})
