"""What every accounting call shares: bearer token, tenant header, rate budget, the
Idempotency-Key replay store, batch results in Xero's two error modes, and rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero.errors import (
    ApiProblem,
    RecordInvalid,
    bad_request,
    forbidden,
    invalid_json,
    rate_limited,
    unauthorized,
    validation_exception,
)
from sandbox.xero.limits import RateLimiter
from sandbox.xero.state import Record, Tenant, XeroState
from sandbox.xero.tokens import TokenService
from sandbox.xero.wire import envelope, json_response, msdate, parse_date

IDEMPOTENCY_KEY_MAX = 128
DATE_FIELDS = ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate", "FullyPaidOnDate")


@dataclass
class Xero:
    state: XeroState
    tokens: TokenService
    limiter: RateLimiter


AccountingHandler = Callable[[Xero, ApiRequest, Tenant], Response]


def authenticate(xero: Xero, req: ApiRequest) -> None:
    scheme, _, token = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    check = xero.tokens.check_access(token.strip())
    if not check.valid:
        raise unauthorized(check.detail)


def accounting(fn: AccountingHandler) -> Callable[[Xero, ApiRequest], Response]:
    """401 → 403 (tenant) → 429 (budget) → Idempotency-Key replay → handler; the limit
    headers go on every response that got past the tenant check."""
    @wraps(fn)
    def wrapper(xero: Xero, req: ApiRequest) -> Response:
        limit_headers: dict[str, str] = {}
        try:
            authenticate(xero, req)
            tenant = xero.state.tenant(req.headers.get("xero-tenant-id"))
            if tenant is None:
                raise forbidden()
            verdict = xero.limiter.charge(tenant.id)
            limit_headers = verdict.headers
            if not verdict.allowed:
                raise rate_limited(verdict.problem, verdict.retry_after)
            response = _idempotent(fn, xero, req, tenant)
        except ApiProblem as exc:
            response = exc.response()
        for name, value in limit_headers.items():
            response.headers[name] = value
        return response
    return wrapper


def _idempotent(fn: AccountingHandler, xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    """Same key again → the stored original answer, byte for byte; nothing is written twice.
    Keys are scoped to the tenant and kept for the life of the state dir (Xero's retention
    window is unverified)."""
    key = req.headers.get("idempotency-key") if req.method in ("POST", "PUT", "PATCH") else None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise bad_request("Idempotency-Key must be 128 characters or fewer")
    with xero.state.lock:
        if key:
            stored = xero.state.remembered(tenant, key)
            if stored is not None:
                status, body, media_type = stored
                return Response(body, status_code=status, media_type=media_type,
                                headers={"Idempotent-Replayed": "true"})
        try:
            response = fn(xero, req, tenant)
        except ApiProblem as exc:
            response = exc.response()
        if key and response.status_code < 500:
            xero.state.remember(tenant, key, response.status_code, bytes(response.body),
                                response.media_type or "application/json")
        return response


def json_body(req: ApiRequest) -> Any:
    try:
        return json.loads(req.body or b"null", parse_float=Decimal)
    except ValueError:
        raise invalid_json() from None


def elements(req: ApiRequest, key: str) -> list[dict[str, Any]]:
    """`{"Invoices":[…]}`, a bare object, or a bare list, as Xero accepts."""
    body = json_body(req)
    if isinstance(body, dict) and key in body:
        body = body[key]
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
        raise invalid_json()
    return body


def flag(req: ApiRequest, name: str, default: bool) -> bool:
    """xero-python sends Python bools as `True`/`False`; others send `true`/`false`."""
    value = next((v for k, v in req.params.items() if k.lower() == name.lower()), None)
    return default if value is None else value.strip().lower() in ("true", "1")


def param(req: ApiRequest, name: str) -> str | None:
    return next((v for k, v in req.params.items() if k.lower() == name.lower()), None)


def list_param(req: ApiRequest, name: str) -> list[str]:
    raw = param(req, name)
    return [p.strip() for p in raw.split(",") if p.strip()] if raw else []


def unit_dp(req: ApiRequest) -> int:
    return 4 if param(req, "unitdp") == "4" else 2


def public(record: Record) -> Record:
    """A record as the wire shows it: internal `_` keys dropped, nested copies."""
    out: Record = {}
    for key, value in record.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            value = public(value)
        elif isinstance(value, list):
            value = [public(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def echo(element: dict[str, Any], messages: list[str], error_flag: str | None) -> Record:
    """A failed element as Xero echoes it: the object, its errors, dates in MS-JSON."""
    out = dict(element)
    for name in DATE_FIELDS:
        parsed = parse_date(out.get(name))
        if parsed is not None:
            out[name] = msdate(parsed)
    if error_flag:
        out[error_flag] = True
    out["StatusAttributeString"] = "ERROR"
    out["ValidationErrors"] = [{"Message": m} for m in messages]
    return out


def run_batch(xero: Xero, req: ApiRequest, key: str, items: list[dict[str, Any]],
              apply: Callable[[dict[str, Any]], Record], render: Callable[[Record], Record],
              error_flag: str | None) -> Response:
    """Apply each element on its own. summarizeErrors=false: 200 with every element in
    order, failed ones flagged. Default (true): if any failed, 400 listing only the failed
    ones, while the valid ones ARE created (Xero behaviour, xero.md)."""
    summarize = flag(req, "summarizeErrors", True)
    results: list[Record] = []
    failed: list[Record] = []
    for element in items:
        try:
            row = render(apply(element))
            if not summarize:
                row["StatusAttributeString"] = "OK"
            results.append(row)
        except RecordInvalid as exc:
            bad = echo(element, exc.messages, error_flag)
            results.append(bad)
            failed.append(bad)
    if failed and summarize:
        raise validation_exception(failed)
    return json_response(envelope(key, results, xero.state.stamp_ms()))


def listing(xero: Xero, key: str, rows: list[Record],
            pagination: dict[str, int] | None = None) -> Response:
    return json_response(envelope(key, rows, xero.state.stamp_ms(), pagination))
