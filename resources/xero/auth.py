"""Xero tokens: the refresh call (through xero-python, hence the Transport) and the
Authenticator that signs every call with the vault's token."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from xero_python.api_client import ApiClient
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import HTTPStatusException

from concord.errors import FatalError, ReauthoriseRequired
from concord.ledger.rows import TokenSet

from .profile import SYSTEM

SCOPE = ("offline_access", "accounting.transactions", "accounting.contacts",
         "accounting.settings")
REFRESH_TOKEN_LIFETIME = timedelta(days=60)  # unused Xero refresh tokens die after 60 days


class _OAuth2TokenAt(OAuth2Token):
    """`TokenApi.refresh_token_url` is a class attribute: set it on the per-call instance
    so two tenants/sandboxes in one process never share a token URL."""

    def __init__(self, refresh_token_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refresh_token_url = refresh_token_url

    def call_refresh_token_api(self, token_api: TokenApi) -> dict[str, Any]:
        token_api.refresh_token_url = self.refresh_token_url
        return super().call_refresh_token_api(token_api)


def _oauth_error(exc: HTTPStatusException) -> str | None:
    try:
        body = json.loads(exc.body or b"{}")
    except (TypeError, ValueError):
        return None
    return str(body.get("error")) if isinstance(body, dict) and body.get("error") else None


class XeroTokenRefresher:
    """The vault's `refresher` for Xero: POST /connect/token with grant_type=refresh_token."""

    def __init__(self, api_client: ApiClient, token_url: str, client_id: str,
                 client_secret: str, scope: Sequence[str] = SCOPE) -> None:
        self._api_client = api_client
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = list(scope)

    def __repr__(self) -> str:
        return f"XeroTokenRefresher(token_url={self._token_url!r})"

    def __call__(self, refresh_token: str) -> TokenSet:
        oauth = _OAuth2TokenAt(self._token_url, client_id=self._client_id,
                               client_secret=self._client_secret)
        oauth.update_token(access_token=None, scope=self._scope, expires_in=None,
                           token_type="Bearer", refresh_token=refresh_token)
        token_api = TokenApi(self._api_client, self._client_id, self._client_secret)
        try:
            body = oauth.fetch_access_token(token_api)
        except HTTPStatusException as exc:
            code = _oauth_error(exc)
            if code == "invalid_grant":
                raise ReauthoriseRequired("refresh token refused", system=SYSTEM,
                                          vendor_code=code, status=exc.status) from None
            raise FatalError("token refresh refused; check the client id and secret",
                             system=SYSTEM, vendor_code=code, status=exc.status) from None
        now = datetime.now(UTC)
        scope = body.get("scope") or self._scope
        return TokenSet(access_token=str(body["access_token"]),
                        refresh_token=str(body["refresh_token"]),
                        expires_at=now + timedelta(seconds=int(body.get("expires_in", 1800))),
                        refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
                        extra={"scope": list(scope)})
