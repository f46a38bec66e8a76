"""What every authenticated REST call shares: the bearer token, the daily allowance and the
`Sforce-Limit-Info` header, and turning `ApiError` into Salesforce's error list."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.salesforce import schema
from sandbox.salesforce.errors import (
    ApiError,
    invalid_session,
    json_response,
    request_limit_exceeded,
)
from sandbox.salesforce.state import OrgState, Session

ApiHandler = Callable[["Org", ApiRequest, Session], Response]


@dataclass
class Org:
    state: OrgState

    def instance_url(self, req: ApiRequest) -> str:
        return f"https://{req.headers.get('host', '127.0.0.1')}"


def authenticate(org: Org, req: ApiRequest) -> Session:
    header = req.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        raise invalid_session()
    session = org.state.session(token.strip())
    if session is None:
        raise invalid_session()
    return session


def api_call(fn: ApiHandler) -> Callable[[Org, ApiRequest], Response]:
    @wraps(fn)
    def wrapper(org: Org, req: ApiRequest) -> Response:
        usage: dict[str, int] | None = None
        try:
            session = authenticate(org, req)
            allowed, usage = org.state.charge_call()
            if not allowed:
                raise request_limit_exceeded()
            response = fn(org, req, session)
        except ApiError as exc:
            response = json_response(exc.body(), exc.status)
        if usage is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={usage['used']}/{usage['max']}"
        return response
    return wrapper


def json_body(req: ApiRequest) -> Any:
    try:
        return json.loads(req.body or b"null")
    except ValueError:
        raise ApiError(400, "JSON_PARSER_ERROR",
                       "Unexpected character: was expecting JSON value") from None


def sobject_or_404(name: str) -> schema.SObjectDef:
    o = schema.sobject(name)
    if o is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return o


def error_response(exc: ApiError) -> Response:
    return json_response(exc.body(), exc.status)
