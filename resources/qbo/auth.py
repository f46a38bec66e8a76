"""QBO tokens: the refresh through intuit-oauth's AuthClient, on the shared Transport.

intuit-oauth 1.2's `AuthClient` *is* a `requests.Session`, and every request it makes (the
discovery document in `__init__`, the token call in `refresh()`) goes through
`self.request(...)` / `self.get(...)` of that session (`utils.send_request(...,
session=self)`). `TransportAuthClient` overrides that one method to hand the request to our
`Transport`: the refresh is counted (kind `auth`), TLS trusts the configured CA bundle with
`trust_env` off (REQUESTS_CA_BUNDLE cannot override it), and a lost answer surfaces as
UncertainWrite for the vault's one retry with the same token. No module-level `requests` is
patched. The one bare `requests.get` left in intuit-oauth (JWKS, only when an `id_token` is
returned, i.e. on OpenID consent) is never reached by a refresh.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError

from concord.errors import FatalError, ReauthoriseRequired, RetriableError
from concord.ledger.rows import TokenSet
from resources.connector import Transport

from .profile import SYSTEM

SANDBOX_DISCOVERY = "https://developer.intuit.com/.well-known/openid_sandbox_configuration/"
PRODUCTION_DISCOVERY = "https://developer.intuit.com/.well-known/openid_configuration/"
ACCESS_LIFETIME = 3600  # seconds, when the answer omits expires_in
REFRESH_LIFETIME = 8_726_400  # ~101 days, rolling


class TransportAuthClient(AuthClient):
    """intuit-oauth's AuthClient whose HTTP is our Transport's (see the module docstring)."""

    def __init__(self, transport: Transport, client_id: str, client_secret: str,
                 redirect_uri: str, discovery_url: str, realm_id: str | None = None) -> None:
        self._transport = transport  # before super().__init__: it fetches the discovery doc
        super().__init__(client_id, client_secret, redirect_uri, discovery_url,
                         realm_id=realm_id)

    def __repr__(self) -> str:
        return f"TransportAuthClient(token_endpoint={self.token_endpoint!r})"

    def request(self, method: str | bytes, url: str | bytes, *args: Any,  # type: ignore[override]
                **kwargs: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        # Never signed with the API bearer: the token call carries HTTP Basic client auth.
        return self._transport.request(verb, target, *args, authenticate=False, **kwargs)


def _oauth_error(response: requests.Response | None) -> str | None:
    if response is None:
        return None
    try:
        body = json.loads(response.content or b"{}")
    except (TypeError, ValueError):
        return None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


class QboTokenRefresher:
    """The vault's `refresher` for one realm: `grant_type=refresh_token` via intuit-oauth.

    `time_scale` divides the lifetimes the answer states (a sandbox with `--scale-time F`
    expires an "1 hour" token after 3600/F seconds). The hard 5-year expiry is asked for
    (`x-include-refresh-token-hard-expires-in`) and caps the rolling one."""

    def __init__(self, transport: Transport, *, discovery_url: str, client_id: str,
                 client_secret: str, realm_id: str, redirect_uri: str = "",
                 time_scale: float = 1.0) -> None:
        self._transport = transport
        self._discovery_url = discovery_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self.realm_id = realm_id
        self._time_scale = time_scale
        self._client: TransportAuthClient | None = None

    def __repr__(self) -> str:
        return f"QboTokenRefresher(realm_id={self.realm_id!r})"

    def auth_client(self) -> TransportAuthClient:
        """Built on first use (its constructor reads the discovery document), then reused."""
        if self._client is None:
            try:
                client = TransportAuthClient(self._transport, self._client_id,
                                             self._client_secret, self._redirect_uri,
                                             self._discovery_url, realm_id=self.realm_id)
            except AuthClientError as exc:
                raise FatalError("OpenID discovery document unavailable", system=SYSTEM,
                                 status=exc.status_code) from None
            client.include_refresh_token_hard_expires_in = True
            self._client = client
        return self._client

    def __call__(self, refresh_token: str) -> TokenSet:
        client = self.auth_client()
        # Attributes left from an earlier answer must not stand in for missing ones.
        client.expires_in = client.x_refresh_token_expires_in = None
        client.x_refresh_token_hard_expires_in = None
        try:
            client.refresh(refresh_token=refresh_token)
        except AuthClientError as exc:
            code = _oauth_error(exc.response)
            if code == "invalid_grant":
                raise ReauthoriseRequired(
                    f"refresh token refused; re-authorise qbo realm {self.realm_id}: run "
                    "`concord auth qbo`", system=SYSTEM, record_id=self.realm_id,
                    vendor_code=code, status=exc.status_code) from None
            if exc.status_code >= 500:
                raise RetriableError("token endpoint failed", system=SYSTEM,
                                     vendor_code=code, status=exc.status_code) from None
            raise FatalError("token refresh refused; check the client id and secret",
                             system=SYSTEM, vendor_code=code, status=exc.status_code) from None
        try:
            return self._token_set(client)
        finally:
            # The AuthClient keeps the last answer on itself; the vault is the only holder.
            client.access_token = client.refresh_token = None

    def _token_set(self, client: TransportAuthClient) -> TokenSet:
        now = datetime.now(UTC)

        def after(seconds: Any, default: int) -> datetime:
            value = int(seconds) if seconds is not None else default
            return now + timedelta(seconds=value / self._time_scale)

        refresh_expires = after(client.x_refresh_token_expires_in, REFRESH_LIFETIME)
        if client.x_refresh_token_hard_expires_in is not None:
            refresh_expires = min(refresh_expires,
                                  after(client.x_refresh_token_hard_expires_in, 0))
        if not client.access_token or not client.refresh_token:
            raise FatalError("token endpoint answered without tokens", system=SYSTEM)
        return TokenSet(access_token=str(client.access_token),
                        refresh_token=str(client.refresh_token),
                        expires_at=after(client.expires_in, ACCESS_LIFETIME),
                        refresh_expires_at=refresh_expires,
                        extra={"realm_id": self.realm_id})
