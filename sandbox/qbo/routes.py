"""URL table of the sandbox QBO, with the call kind each endpoint is counted under."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.responses import Response

from sandbox.common.router import ApiRequest, Router
from sandbox.qbo.handlers import auth, batch, entities, query
from sandbox.qbo.handlers.base import Qbo

C = r"/v3/company/(?P<realm>[^/]+)"

ROUTES: list[tuple[str, str, Callable[[Qbo, ApiRequest], Response], str, str]] = [
    ("GET", r"/\.well-known/openid_(?:sandbox_)?configuration", auth.discovery, "discovery",
     "/.well-known/openid_configuration"),
    ("GET", r"/op/v1/jwks", auth.jwks, "discovery", "/op/v1/jwks"),
    ("GET", r"/connect/oauth2", auth.authorize, "auth", "/connect/oauth2"),
    ("POST", r"/oauth2/v1/tokens/bearer", auth.token, "token", "/oauth2/v1/tokens/bearer"),
    ("POST", r"/v2/oauth2/tokens/revoke", auth.revoke, "token", "/v2/oauth2/tokens/revoke"),
    ("GET", r"/v1/openid_connect/userinfo", auth.userinfo, "auth",
     "/v1/openid_connect/userinfo"),
    ("GET", C + r"/query", query.query, "query", "/v3/company/{realm}/query"),
    ("POST", C + r"/query", query.query, "query", "/v3/company/{realm}/query"),
    ("GET", C + r"/cdc", query.cdc, "cdc", "/v3/company/{realm}/cdc"),
    ("POST", C + r"/batch", batch.batch, "batch", "/v3/company/{realm}/batch"),
    ("GET", C + r"/preferences", entities.preferences, "entity_read",
     "/v3/company/{realm}/preferences"),
    ("GET", C + r"/(?P<entity>[A-Za-z]+)/(?P<id>[^/]+)", entities.read, "entity_read",
     "/v3/company/{realm}/{entity}/{id}"),
    ("POST", C + r"/(?P<entity>[A-Za-z]+)", entities.write, "entity_write",
     "/v3/company/{realm}/{entity}"),
]


def build_router(qbo: Qbo) -> Router:
    router = Router()
    for method, pattern, handler, kind, name in ROUTES:
        router.add(method, pattern, partial(handler, qbo), kind=kind, name=name)
    return router
