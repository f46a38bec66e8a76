"""OpenID discovery, consent (authorization endpoint), token, revocation and userinfo endpoints,
shaped as intuit-oauth 1.2 reads them (intuitlib/utils.py, client.py)."""

from __future__ import annotations

import base64
import hmac
from urllib.parse import parse_qsl, urlencode

from starlette.responses import RedirectResponse, Response

from sandbox.common.router import ApiRequest
from sandbox.qbo import wire
from sandbox.qbo.handlers.base import Qbo, unauthorized
from sandbox.qbo.oauth import GrantError

HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"
OAUTH_TYPE = "application/json;charset=UTF-8"


def discovery(qbo: Qbo, req: ApiRequest) -> Response:
    base = qbo.base_url(req)
    return wire.json_response({
        "issuer": f"{base}/op/v1",
        "authorization_endpoint": f"{base}/connect/oauth2",
        "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    })


def jwks(qbo: Qbo, req: ApiRequest) -> Response:
    return wire.json_response({"keys": []})


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return wire.json_response({"error_description": description, "error": error}, status,
                              media_type=OAUTH_TYPE)


def _client_ok(qbo: Qbo, req: ApiRequest, form: dict[str, str]) -> bool:
    client_id, secret = form.get("client_id"), form.get("client_secret")
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
    creds = qbo.oauth.credentials()
    return client_id == creds["client_id"] and hmac.compare_digest(
        secret or "", creds["client_secret"])


def authorize(qbo: Qbo, req: ApiRequest) -> Response:
    """Consent, auto-approved: redirect back with `code`, `state` and `realmId`.
    `realm_id` (a sandbox extension) picks the company; default is the first one."""
    params = req.params
    if params.get("client_id") != qbo.oauth.credentials()["client_id"]:
        return _oauth_error("invalid_client", "Unknown client_id")
    if params.get("response_type") != "code" or not params.get("redirect_uri"):
        return _oauth_error("invalid_request", "response_type=code and redirect_uri required")
    realm_id = params.get("realm_id") or next(iter(qbo.state.companies))
    if qbo.state.company(realm_id) is None:
        return _oauth_error("invalid_request", "Unknown realm")
    code = qbo.oauth.issue_code(realm_id, params["redirect_uri"])
    query = {"code": code, "realmId": realm_id}
    if params.get("state") is not None:
        query["state"] = params["state"]
    sep = "&" if "?" in params["redirect_uri"] else "?"
    return RedirectResponse(f"{params['redirect_uri']}{sep}{urlencode(query)}", status_code=302)


def token(qbo: Qbo, req: ApiRequest) -> Response:
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    if not _client_ok(qbo, req, form):
        return _oauth_error("invalid_client", "Client authentication failed", 401)
    hard = req.headers.get(HARD_EXPIRY_HEADER, "").lower() == "true"
    grant = form.get("grant_type")
    try:
        if grant == "refresh_token":
            if not form.get("refresh_token"):
                return _oauth_error("invalid_request", "refresh_token is required")
            body = qbo.oauth.refresh(form["refresh_token"], hard)
        elif grant == "authorization_code":
            body = qbo.oauth.exchange_code(form.get("code", ""), form.get("redirect_uri", ""),
                                           hard)
            body.pop("realmId", None)
        else:
            return _oauth_error("unsupported_grant_type", "Unsupported grant type")
    except GrantError as exc:
        return _oauth_error(exc.error, exc.description)
    return wire.json_response(body, media_type=OAUTH_TYPE,
                              headers={"Cache-Control": "no-cache, no-store",
                                       "Pragma": "no-cache"})


def revoke(qbo: Qbo, req: ApiRequest) -> Response:
    if not _client_ok(qbo, req, {}):
        return _oauth_error("invalid_client", "Client authentication failed", 401)
    try:
        body = wire.loads(req.body or b"{}")
    except ValueError:
        body = dict(parse_qsl(req.body.decode("utf-8", "replace")))
    token_value = body.get("token") if isinstance(body, dict) else None
    if not token_value:
        return _oauth_error("invalid_request", "token is required")
    qbo.oauth.revoke(str(token_value))
    return Response(status_code=200)


def userinfo(qbo: Qbo, req: ApiRequest) -> Response:
    scheme, _, value = req.headers.get("authorization", "").partition(" ")
    grant, reason = qbo.oauth.check_access(value.strip()) if scheme.lower() == "bearer" \
        else (None, "Token invalid")
    if grant is None:
        return unauthorized(reason)
    return wire.json_response({"sub": f"sandbox-user-{grant.realm_id}",
                               "email": "sandbox.user@example.com", "emailVerified": True,
                               "givenName": "Sandbox", "familyName": "User"})
