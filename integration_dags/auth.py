"""`concord auth xero|qbo`: the OAuth consent flow for a real tenant, its tokens into the ledger.

Build the vendor's authorize URL with a random `state`; the user approves in a browser;
take the redirect (pasted, or caught by a one-shot listener on the loopback redirect URI);
check `state`; exchange the code; store the TokenSet through the TokenVault (encrypted with
CONCORD_TOKEN_KEY, refresh-token expiry recorded for the expiry check). Tokens, codes and
the redirect URL are never printed or put in an error.

Xero: one consent yields ONE token pair for every organisation the user ticked, and its
refresh token rotates on each use. The vault keeps one token row per tenant, so the same
pair stored under two tenants would die for the second at the first refresh. One consent
therefore stores one tenant (`--tenant` / XERO_TENANT_ID, or the only one connected);
consent again for another.
"""

from __future__ import annotations

import hmac
import os
import secrets
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Protocol, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from intuitlib.config import DISCOVERY_URL
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from concord.errors import ConcordError, FatalError
from concord.ledger import Ledger, TokenKeyError, TokenSet
from concord.ledger.crypto import TokenCipher
from resources.connector import Transport
from resources.qbo.auth import TransportAuthClient
from resources.qbo.profile import QboProfile
from resources.tokens import TokenLedger, TokenVault
from resources.xero.auth import REFRESH_TOKEN_LIFETIME as XERO_REFRESH_LIFETIME
from resources.xero.auth import SCOPE as XERO_SCOPE
from resources.xero.profile import SYSTEM as XERO
from resources.xero.profile import XeroProfile

QBO = "qbo"
QBO_REFRESH_LIFETIME = timedelta(seconds=8_726_400)  # Intuit's x_refresh_token_expires_in
XERO_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
XERO_TOKEN_URL = "https://identity.xero.com/connect/token"
XERO_CONNECTIONS_URL = "https://api.xero.com/connections"
QBO_DISCOVERY_URL = DISCOVERY_URL["production"]
DEFAULT_REDIRECT_URI = "http://localhost:8765/callback"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Redirect:
    code: str = ""
    realm_id: str | None = None  # QBO names the company it was granted for

    def __repr__(self) -> str:
        return f"Redirect(realm_id={self.realm_id!r})"  # the code stays out of logs


@dataclass(frozen=True)
class Grant:
    """What one consent stores: the tenant (Xero tenantId / QBO realmId) and its tokens."""

    tenant: str
    name: str
    token: TokenSet


class Consent(Protocol):
    system: str
    label: str
    redirect_uri: str

    def authorize_url(self, state: str) -> str: ...

    def exchange(self, redirect: Redirect) -> Grant: ...


def parse_redirect(url: str, state: str) -> Redirect:
    """The code from the URL the vendor redirected to, once its `state` proves it answers
    this consent (not a stale tab or a forged link)."""
    query = dict(parse_qsl(urlsplit(url.strip()).query))
    if query.get("error"):
        raise FatalError(f"consent not given ({query['error']})")
    if not hmac.compare_digest(query.get("state", ""), state):
        raise FatalError("the redirect's state does not match this consent (an old tab or a "
                         "forged link?); run the command again")
    if not query.get("code"):
        raise FatalError("the redirect carries no authorization code")
    return Redirect(query["code"], query.get("realmId"))


# ----- Xero ---------------------------------------------------------------------------------
class XeroConsent:
    """Code exchange and /connections through the shared Transport (counted, CA-pinned)."""

    system = XERO
    label = "Xero"

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str,
                 authorize_url: str = XERO_AUTHORIZE_URL, token_url: str = XERO_TOKEN_URL,
                 connections_url: str = XERO_CONNECTIONS_URL, ca_bundle: str | None = None,
                 tenant: str | None = None, scope: Sequence[str] = XERO_SCOPE,
                 choose: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None) -> None:
        self.redirect_uri = redirect_uri
        self._client = (client_id, client_secret)
        self._authorize_url, self._token_url = authorize_url, token_url
        self._connections_url = connections_url
        self._tenant, self._scope, self._choose = tenant, list(scope), choose
        self.transport = Transport(XeroProfile(token_url, connections_url), ca_bundle=ca_bundle)

    def authorize_url(self, state: str) -> str:
        return f"{self._authorize_url}?" + urlencode({
            "response_type": "code", "client_id": self._client[0],
            "redirect_uri": self.redirect_uri, "scope": " ".join(self._scope), "state": state})

    def exchange(self, redirect: Redirect) -> Grant:
        now = datetime.now(UTC)
        answer = self.transport.post(self._token_url, auth=self._client, data={
            "grant_type": "authorization_code", "code": redirect.code,
            "redirect_uri": self.redirect_uri})
        if answer.status_code != 200:
            what = ("authorization code refused" if answer.status_code == 400
                    else f"token endpoint failed (HTTP {answer.status_code})")
            raise FatalError(what, system=XERO, vendor_code=_oauth_error(answer),
                             status=answer.status_code)
        body = answer.json()
        token = TokenSet(
            access_token=str(body["access_token"]), refresh_token=str(body["refresh_token"]),
            expires_at=now + timedelta(seconds=int(body.get("expires_in", 1800))),
            refresh_expires_at=now + XERO_REFRESH_LIFETIME,
            extra={"scope": str(body.get("scope") or " ".join(self._scope)).split()})
        tenant = self._pick(self._connections(token.access_token))
        return Grant(str(tenant["tenantId"]), str(tenant.get("tenantName") or ""), token)

    def _connections(self, access_token: str) -> list[dict[str, Any]]:
        answer = self.transport.get(self._connections_url,
                                    headers={"Authorization": f"Bearer {access_token}"})
        if answer.status_code != 200:
            raise FatalError("listing the connected tenants failed", system=XERO,
                             obj="connections", status=answer.status_code)
        return [c for c in answer.json() if c.get("tenantType", "ORGANISATION") == "ORGANISATION"]

    def _pick(self, tenants: list[dict[str, Any]]) -> dict[str, Any]:
        if self._tenant:
            for t in tenants:
                if str(t["tenantId"]).lower() == self._tenant.lower():
                    return t
            raise FatalError(f"tenant {self._tenant} is not among the organisations this "
                             f"consent connected: {_tenant_list(tenants)}", system=XERO)
        if len(tenants) == 1:
            return tenants[0]
        if not tenants:
            raise FatalError("the consent connected no organisation", system=XERO)
        if self._choose is not None:
            return self._choose(tenants)
        raise FatalError("the consent connected several organisations; one consent stores one "
                         f"tenant: run again with --tenant ID ({_tenant_list(tenants)})",
                         system=XERO)


def _tenant_list(tenants: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{t.get('tenantName', '?')} = {t['tenantId']}" for t in tenants)


def _oauth_error(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


# ----- QuickBooks Online --------------------------------------------------------------------
class QboConsent:
    """intuit-oauth pointed at a discovery document (Intuit's, or a sandbox's)."""

    system = QBO
    label = "QuickBooks Online"

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str,
                 discovery_url: str = QBO_DISCOVERY_URL, ca_bundle: str | None = None) -> None:
        self.redirect_uri = redirect_uri
        try:
            # On the shared Transport: counted, pinned to the CA, environment ignored.
            self.client = TransportAuthClient(Transport(QboProfile(), ca_bundle=ca_bundle),
                                              client_id, client_secret, redirect_uri,
                                              discovery_url)
        except AuthClientError as exc:
            raise FatalError("reading the OpenID discovery document failed", system=QBO,
                             status=exc.status_code) from None

    def authorize_url(self, state: str) -> str:
        return str(self.client.get_authorization_url([Scopes.ACCOUNTING], state_token=state))

    def exchange(self, redirect: Redirect) -> Grant:
        if not redirect.realm_id:
            raise FatalError("the redirect carries no realmId (the company)", system=QBO)
        now = datetime.now(UTC)
        try:
            self.client.get_bearer_token(redirect.code, realm_id=redirect.realm_id)
        except AuthClientError as exc:
            raise FatalError("authorization code refused", system=QBO,
                             vendor_code=_oauth_error(exc.response),
                             status=exc.status_code) from None
        client = self.client
        if not client.access_token or not client.refresh_token:
            raise FatalError("token endpoint answered without tokens", system=QBO)
        refresh_in = client.x_refresh_token_expires_in or QBO_REFRESH_LIFETIME.total_seconds()
        token = TokenSet(
            access_token=str(client.access_token), refresh_token=str(client.refresh_token),
            expires_at=now + timedelta(seconds=int(client.expires_in or 3600)),
            refresh_expires_at=now + timedelta(seconds=int(refresh_in)),
            extra={"realm_id": redirect.realm_id})
        client.access_token = client.refresh_token = None  # the ledger is the only holder
        return Grant(redirect.realm_id, "", token)


# ----- taking the redirect ------------------------------------------------------------------
class PastedRedirect:
    """The user copies the address the browser was sent to (works over SSH, any URI)."""

    def __init__(self, redirect_uri: str, stdin: TextIO) -> None:
        self.instructions = ("Then paste the address your browser was sent to (it starts "
                             f"with {redirect_uri}):")
        self._stdin = stdin

    def receive(self) -> str:
        line = self._stdin.readline()
        if not line.strip():
            raise FatalError("no redirect address was pasted")
        return line


class _Server(HTTPServer):
    expected_path: str
    received: str | None = None
    base: str


class _Server6(_Server):
    address_family = socket.AF_INET6


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5  # a browser's idle preconnect must not hold the one-shot server

    def do_GET(self) -> None:
        if urlsplit(self.path).path != self.server.expected_path:
            self.send_error(404)
            return
        self.server.received = self.server.base + self.path
        page = b"<html><body><p>Concord received the consent. You can close this tab.</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line holds the authorization code."""


class LoopbackListener:
    """A one-shot HTTP server on the loopback redirect URI: bound before the URL is shown,
    it answers the browser's redirect and hands its address over."""

    def __init__(self, redirect_uri: str, timeout: float = 300.0) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or not parts.port:
            raise FatalError("listening needs a loopback redirect URI with a port, such as "
                             f"{DEFAULT_REDIRECT_URI}; use --paste for {redirect_uri}")
        self.timeout = timeout
        self.instructions = (f"Waiting up to {timeout:.0f} s for the browser to come back to "
                             f"{redirect_uri} ...")
        six = parts.hostname == "::1"
        try:
            self._server = (_Server6 if six else _Server)(
                ("::1" if six else "127.0.0.1", parts.port), _CallbackHandler)
        except OSError as exc:
            raise FatalError(f"cannot listen on port {parts.port} ({exc.strerror})") from None
        self._server.expected_path = parts.path or "/"
        self._server.base = f"{parts.scheme}://{parts.netloc}"
        self._server.timeout = 0.2

    def receive(self) -> str:
        deadline = time.monotonic() + self.timeout
        try:
            while self._server.received is None:
                if time.monotonic() > deadline:
                    raise FatalError(f"no redirect arrived within {self.timeout:.0f} s")
                self._server.handle_request()
            return self._server.received
        finally:
            self._server.server_close()

    def close(self) -> None:
        self._server.server_close()


class RedirectSource(Protocol):
    instructions: str

    def receive(self) -> str: ...


# ----- the flow -----------------------------------------------------------------------------
def _refresh_not_needed(_refresh_token: str) -> TokenSet:
    raise AssertionError("consent stores tokens; it never refreshes them")


def run_consent(consent: Consent, ledger: TokenLedger, source: RedirectSource,
                out: TextIO) -> Grant:
    """Show the URL, take the redirect, exchange the code, store the tokens."""
    state = secrets.token_urlsafe(24)
    print(f"Open this address in a browser, sign in to {consent.label} and allow access:\n\n"
          f"  {consent.authorize_url(state)}\n\n{source.instructions}", file=out, flush=True)
    grant = consent.exchange(parse_redirect(source.receive(), state))
    vault = TokenVault(ledger, consent.system, grant.tenant, _refresh_not_needed)
    stored = vault.store(grant.token)
    print("\n" + describe(consent, grant, stored.refresh_expires_at), file=out, flush=True)
    return grant


def describe(consent: Consent, grant: Grant, refresh_expires_at: datetime | None) -> str:
    what = "tenant" if consent.system == XERO else "company (realm)"
    name = f'"{grant.name}" ' if grant.name else ""
    env = "XERO_TENANT_ID" if consent.system == XERO else "QBO_REALM_ID"
    until = f"{refresh_expires_at:%Y-%m-%d %H:%M} UTC" if refresh_expires_at else "unknown"
    return (f"Stored {consent.label} tokens for {what} {name}{grant.tenant} (encrypted in the "
            f"ledger).\nThe refresh token expires {until} unless used; each sync run renews "
            f"it.\nPoint the connector at it with {env}={grant.tenant}.")


# ----- `concord auth` -------------------------------------------------------------------------
class AuthConfigMissing(FatalError):
    """A variable the consent needs is not set (exit status 2)."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _require(names: Sequence[str], what: str) -> None:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise AuthConfigMissing(f"set {' and '.join(missing)} ({what})")


def _prompt_choice(stdin: TextIO, out: TextIO) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
    def choose(tenants: list[dict[str, Any]]) -> dict[str, Any]:
        print("The consent connected several organisations; store which one?", file=out)
        for i, t in enumerate(tenants, 1):
            print(f"  {i}. {t.get('tenantName', '?')} ({t['tenantId']})", file=out)
        print("Number: ", end="", file=out, flush=True)
        answer = stdin.readline().strip()
        if not answer.isdigit() or not 1 <= int(answer) <= len(tenants):
            raise FatalError("no organisation chosen")
        return tenants[int(answer) - 1]
    return choose


def build_consent(system: str, *, redirect_uri: str | None, tenant: str | None,
                  stdin: TextIO, out: TextIO) -> Consent:
    """The system's consent, configured from the same variables as its connector."""
    if system == XERO:
        _require(["XERO_CLIENT_ID", "XERO_CLIENT_SECRET"], "the Xero app's credentials")
        return XeroConsent(
            client_id=os.environ["XERO_CLIENT_ID"], client_secret=os.environ["XERO_CLIENT_SECRET"],
            redirect_uri=redirect_uri or _env("XERO_REDIRECT_URI", DEFAULT_REDIRECT_URI),
            authorize_url=_env("XERO_AUTHORIZE_URL", XERO_AUTHORIZE_URL),
            token_url=_env("XERO_TOKEN_URL", XERO_TOKEN_URL),
            connections_url=_env("XERO_CONNECTIONS_URL", XERO_CONNECTIONS_URL),
            ca_bundle=os.environ.get("XERO_CA_BUNDLE") or None,
            tenant=tenant or os.environ.get("XERO_TENANT_ID") or None,
            choose=_prompt_choice(stdin, out) if stdin.isatty() else None)
    if system != QBO:
        raise AuthConfigMissing(f"unknown system {system!r}: xero or qbo")
    _require(["QBO_CLIENT_ID", "QBO_CLIENT_SECRET"], "the Intuit app's credentials")
    return QboConsent(
        client_id=os.environ["QBO_CLIENT_ID"], client_secret=os.environ["QBO_CLIENT_SECRET"],
        redirect_uri=redirect_uri or _env("QBO_REDIRECT_URI", DEFAULT_REDIRECT_URI),
        discovery_url=_env("QBO_DISCOVERY_URL", QBO_DISCOVERY_URL),
        ca_bundle=os.environ.get("QBO_CA_BUNDLE") or None)


def authorise(system: str, *, redirect_uri: str | None = None, tenant: str | None = None,
              mode: str | None = None, timeout: float = 300.0, ledger_url: str | None = None,
              stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
              err: TextIO = sys.stderr) -> int:
    """`concord auth SYSTEM`: 0 stored, 1 the consent failed, 2 configuration missing."""
    prefix = f"concord auth {system}"
    if ledger_url is None:
        from integration_dags import local

        local.set_local_defaults()  # the ledger (and key) the syncs use
        ledger_url = os.environ["CONCORD_LEDGER_URL"]
    try:
        TokenCipher.from_env()  # before the user consents, not after
    except TokenKeyError as exc:
        print(f"{prefix}: {exc}", file=err)
        return 2
    source: RedirectSource | None = None
    try:
        consent = build_consent(system, redirect_uri=redirect_uri, tenant=tenant,
                                stdin=stdin, out=out)
        ledger = Ledger.open(ledger_url)
        if mode is None:
            mode = "listen" if _is_loopback(consent.redirect_uri) else "paste"
        source = (LoopbackListener(consent.redirect_uri, timeout) if mode == "listen"
                  else PastedRedirect(consent.redirect_uri, stdin))
        run_consent(consent, ledger, source, out)
        return 0
    except AuthConfigMissing as exc:
        print(f"{prefix}: {exc}", file=err)
        return 2
    except ConcordError as exc:
        print(f"{prefix}: {exc}", file=err)
        return 1
    except requests.RequestException as exc:
        print(f"{prefix}: cannot reach {system} ({type(exc).__name__})", file=err)
        return 1
    except (KeyError, ValueError) as exc:
        print(f"{prefix}: unexpected answer from {system} ({type(exc).__name__})", file=err)
        return 1
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted; nothing stored", file=err)
        return 130
    finally:
        if isinstance(source, LoopbackListener):
            source.close()


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and bool(parts.port)


__all__ = ["Grant", "LoopbackListener", "PastedRedirect", "QboConsent", "Redirect",
           "XeroConsent", "authorise", "parse_redirect", "run_consent"]
