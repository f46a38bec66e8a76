"""Identity: `GET /identity/connect/authorize` (consent, auto-approved),
`POST /connect/token` (authorization-code grant; refresh-token grant with rotation) and
`GET /connections` (the tenants this token may use)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, unquote_plus, urlencode

from starlette.responses import RedirectResponse, Response

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
        if grant == "authorization_code":
            if not form.get("code") or not form.get("redirect_uri"):
                raise oauth_error("invalid_request")
            return json_response(xero.tokens.exchange_code(form["code"], form["redirect_uri"]),
                                 headers={"Cache-Control": "no-store"})
        if grant != "refresh_token":
            raise oauth_error("unsupported_grant_type")
        if not form.get("refresh_token"):
            raise oauth_error("invalid_request")
        with xero.state.lock:
            return json_response(xero.tokens.refresh(form["refresh_token"]),
                                 headers={"Cache-Control": "no-store"})
    except ApiProblem as exc:
        return exc.response()


def authorize(xero: Xero, req: ApiRequest) -> Response:
    """Consent as login.xero.com ends it when the user approves: 302 to `redirect_uri` with
    `code`, `scope` and `state`. The user's pick of organisations is every tenant here."""
    params = req.params
    if params.get("client_id") != xero.tokens.credentials()["client_id"]:
        return oauth_error("unauthorized_client").response()
    if params.get("response_type") != "code" or not params.get("redirect_uri"):
        return oauth_error("invalid_request").response()
    if not params.get("scope"):
        return oauth_error("invalid_scope").response()
    code = xero.tokens.issue_code(params["redirect_uri"], params["scope"])
    query = {"code": code, "scope": params["scope"]}
    if params.get("state") is not None:
        query["state"] = params["state"]
    sep = "&" if "?" in params["redirect_uri"] else "?"
    return RedirectResponse(f"{params['redirect_uri']}{sep}{urlencode(query)}", status_code=302)


def connections(xero: Xero, req: ApiRequest) -> Response:
    try:
        authenticate(xero, req)
    except ApiProblem as exc:
        return exc.response()
    return json_response([t.connection() for t in xero.state.tenants.values()])
