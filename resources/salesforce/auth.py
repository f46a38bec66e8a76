"""OAuth2 access tokens from the configured token endpoint, signed onto every call.

The token is fetched here (client_credentials, or the password flow when a username is
set) rather than by simple-salesforce, whose login builds `https://{domain}.salesforce.com`
URLs. The request goes through the same transport (counted as `auth`, never charged).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from concord.errors import FatalError
from resources.connector import Transport

from .profile import SYSTEM, error_codes


@dataclass(frozen=True)
class OAuthSettings:
    token_url: str
    client_id: str
    client_secret: str
    username: str | None = None
    password: str | None = None

    def form(self) -> dict[str, str]:
        form = {"client_id": self.client_id, "client_secret": self.client_secret}
        if self.username:
            form.update(grant_type="password", username=self.username,
                        password=self.password or "")
        else:
            form["grant_type"] = "client_credentials"
        return form

    def __repr__(self) -> str:  # keeps secrets out of reprs, tracebacks and Dagster logs
        return f"OAuthSettings(token_url={self.token_url!r}, client_id=***, username=***)"


class SalesforceAuth:
    """Implements the transport's Authenticator seam for Salesforce bearer tokens."""

    def __init__(self, settings: OAuthSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._token: str | None = None
        self.instance_url: str | None = None
        self.user_id: str | None = None
        self.renewals = 0
        self._transport: Transport | None = None

    def bind(self, transport: Transport) -> None:
        self._transport = transport

    def access_token(self) -> str:
        with self._lock:
            if self._token is None:
                self._fetch()
            assert self._token is not None
            return self._token

    def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def is_expired(self, response: requests.Response) -> bool:
        return response.status_code == 401 and "INVALID_SESSION_ID" in error_codes(response)

    def renew(self, stale: Mapping[str, str]) -> None:
        with self._lock:
            if self._token is None or stale.get("Authorization") == f"Bearer {self._token}":
                self._fetch()
                self.renewals += 1

    def _fetch(self) -> None:
        if self._transport is None:
            raise RuntimeError("SalesforceAuth is not bound to a transport")
        response = self._transport.request(
            "POST", self._settings.token_url, data=self._settings.form(),
            headers={"Accept": "application/json"}, authenticate=False,
        )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            code = body.get("error") if isinstance(body, dict) else None
            raise FatalError("token request refused; check the client id, secret and user",
                             system=SYSTEM, vendor_code=code or None,
                             status=response.status_code)
        self._token = str(body["access_token"])
        self.instance_url = body.get("instance_url") or self.instance_url
        # The identity URL ends in the user Concord writes as (.../id/ORG_ID/USER_ID).
        identity = str(body.get("id") or "")
        if "/id/" in identity:
            self.user_id = identity.rstrip("/").rsplit("/", 1)[-1]
