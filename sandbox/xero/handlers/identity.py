"""Identity: `POST /connect/token` (refresh-token grant with rotation) and
`GET /connections` (the tenants this token may use)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, unquote_plus

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero.errors import ApiProblem, oauth_error
from sandbox.xero.handlers.base import Xero, authenticate
from sandbox.xero.wire import json_response


def _client(req: ApiRequest, form: dict[str, str]) -> tuple[str | None, str | None]:
    """HTTP Basic (xero-node) or form fields (xero-python)."""
    scheme, _, value = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            user, _, secret = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return unquote_plus(user), unquote_plus(secret)
    return form.get("client_id"), form.get("client_secret")


def token(xero: Xero, req: ApiRequest) -> Response:
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        client_id, client_secret = _client(req, form)
        if not xero.tokens.client_ok(client_id, client_secret):
            raise oauth_error("invalid_client")
        grant = form.get("grant_type")
        if grant != "refresh_token":
            raise oauth_error("unsupported_grant_type")
        if not form.get("refresh_token"):
            raise oauth_error("invalid_request")
        with xero.state.lock:
            return json_response(xero.tokens.refresh(form["refresh_token"]),
                                 headers={"Cache-Control": "no-store"})
    except ApiProblem as exc:
        return exc.response()


def connections(xero: Xero, req: ApiRequest) -> Response:
    try:
        authenticate(xero, req)
    except ApiProblem as exc:
        return exc.response()
    return json_response([t.connection() for t in xero.state.tenants.values()])
