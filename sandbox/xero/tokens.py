"""Xero identity: client credentials, access tokens and rotating refresh tokens.

Rules (developer.xero.com/faq/oauth2, api-notes/xero.md), all in scaled time:
- an access token lives 30 minutes; `expires_in` reports that lifetime in REAL seconds
  (1800 / scale), so a client's own expiry arithmetic matches the server;
- every refresh returns a new refresh token (rotation); an unused refresh token expires
  after 60 days;
- a used refresh token stays acceptable while its successor is unused and for at most
  30 minutes after its use (the grace period for a lost response): the retry gets a new
  access token and the SAME successor refresh token;
- anything else is `400 {"error":"invalid_grant"}`.

Consent (`GET /identity/connect/authorize`, auto-approved) issues a single-use
authorization code that lives 5 minutes and is bound to its redirect URI; the
authorization_code grant turns it into a new token pair.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from sandbox.common.clock import ScaledClock
from sandbox.common.store import StateStore
from sandbox.xero.errors import oauth_error

ACCESS_TTL = 30 * 60
REFRESH_TTL = 60 * 24 * 3600
GRACE = 30 * 60
CODE_TTL = 5 * 60
DEFAULT_SCOPE = ("offline_access openid profile email accounting.transactions "
                 "accounting.contacts accounting.settings")


@dataclass(frozen=True)
class AccessCheck:
    valid: bool
    detail: str = ""


class TokenService:
    def __init__(self, store: StateStore, clock: ScaledClock) -> None:
        self.store, self.clock = store, clock
        store.execute("CREATE TABLE IF NOT EXISTS refresh_tokens (token TEXT PRIMARY KEY, "
                      "issued REAL, used REAL, successor TEXT, scope TEXT)")
        store.execute("CREATE TABLE IF NOT EXISTS access_tokens (token TEXT PRIMARY KEY, "
                      "issued REAL, epoch INTEGER)")
        store.execute("CREATE TABLE IF NOT EXISTS auth_codes (code TEXT PRIMARY KEY, "
                      "redirect_uri TEXT, scope TEXT, issued REAL, used INTEGER)")

    def credentials(self) -> dict[str, str]:
        with self.store.lock:
            creds = self.store.get_json("credentials")
            if creds is None:
                creds = {"client_id": secrets.token_hex(16).upper(),
                         "client_secret": secrets.token_urlsafe(36)}
                self.store.put_json("credentials", creds)
            return dict(creds)

    def client_ok(self, client_id: str | None, client_secret: str | None) -> bool:
        creds = self.credentials()
        return bool(client_id and client_secret) and secrets.compare_digest(
            f"{client_id}\0{client_secret}", f"{creds['client_id']}\0{creds['client_secret']}")

    # ----- access tokens -------------------------------------------------------------------
    def _epoch(self) -> int:
        return int(self.store.get_json("token_epoch", 0))

    def _issue_access(self) -> str:
        token = secrets.token_urlsafe(48)
        self.store.execute("INSERT INTO access_tokens VALUES (?, ?, ?)",
                           (token, self.clock.now(), self._epoch()))
        return token

    def check_access(self, token: str) -> AccessCheck:
        row = self.store.execute("SELECT issued, epoch FROM access_tokens WHERE token = ?",
                                 (token,)).fetchone()
        if row is None:
            return AccessCheck(False, "AuthenticationUnsuccessful")
        expired_at = row[0] + ACCESS_TTL
        if row[1] != self._epoch() or self.clock.now() >= expired_at:
            return AccessCheck(False, "TokenExpired: token expired at "
                               f"{self.clock.now_datetime():%m/%d/%Y %H:%M:%S}")
        return AccessCheck(True)

    def expire_access_tokens(self) -> int:
        with self.store.lock:
            epoch = self._epoch() + 1
            self.store.put_json("token_epoch", epoch)
            return epoch

    def expires_in(self) -> int:
        return max(1, math.floor(self.clock.to_real_seconds(ACCESS_TTL)))

    # ----- refresh tokens ------------------------------------------------------------------
    def _issue_refresh(self, scope: str, *, head: bool = True) -> str:
        """`head`: this token continues the ready line's chain (a consent starts its own)."""
        token = secrets.token_urlsafe(32)
        self.store.execute("INSERT INTO refresh_tokens VALUES (?, ?, NULL, NULL, ?)",
                           (token, self.clock.now(), scope))
        if head:
            self.store.put_json("head_refresh_token", token)
        return token

    def _grant(self, refresh_token: str, scope: str) -> dict[str, object]:
        return {"access_token": self._issue_access(),
                "expires_in": self.expires_in(), "token_type": "Bearer",
                "refresh_token": refresh_token, "scope": scope}

    def refresh(self, token: str) -> dict[str, object]:
        """Rotate `token`; raises ApiProblem(400 invalid_grant) per the rules above."""
        with self.store.transaction():
            row = self.store.execute(
                "SELECT issued, used, successor, scope FROM refresh_tokens WHERE token = ?",
                (token,)).fetchone()
            if row is None:
                raise oauth_error("invalid_grant")
            issued, used, successor, scope = row
            now = self.clock.now()
            if used is None:
                if now - issued >= REFRESH_TTL:
                    raise oauth_error("invalid_grant")
                successor = self._issue_refresh(scope)
                self.store.execute("UPDATE refresh_tokens SET used = ?, successor = ? "
                                   "WHERE token = ?", (now, successor, token))
                return self._grant(successor, scope)
            successor_used = self.store.execute(
                "SELECT used FROM refresh_tokens WHERE token = ?", (successor,)).fetchone()
            if successor_used is None or successor_used[0] is not None or now - used >= GRACE:
                raise oauth_error("invalid_grant")
            return self._grant(successor, scope)

    # ----- consent (authorization code grant) ----------------------------------------------
    def issue_code(self, redirect_uri: str, scope: str) -> str:
        code = secrets.token_urlsafe(32)
        self.store.execute("INSERT INTO auth_codes VALUES (?, ?, ?, ?, 0)",
                           (code, redirect_uri, scope, self.clock.now()))
        return code

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, object]:
        """A new token pair for a consent's code; a used, expired or foreign code (or another
        redirect URI) is `invalid_grant`."""
        with self.store.transaction():
            row = self.store.execute(
                "SELECT redirect_uri, scope, issued, used FROM auth_codes WHERE code = ?",
                (code,)).fetchone()
            if (row is None or row[3] or self.clock.now() - row[2] >= CODE_TTL
                    or row[0] != redirect_uri):
                raise oauth_error("invalid_grant")
            self.store.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (code,))
            return self._grant(self._issue_refresh(row[1], head=False), row[1])

    def current_refresh_token(self) -> str:
        """The newest refresh token (what a client that kept up would hold)."""
        with self.store.lock:
            head = self.store.get_json("head_refresh_token")
            return head if head is not None else self._issue_refresh(DEFAULT_SCOPE)

    def ready_access_token(self) -> str:
        with self.store.lock:
            token = self.store.get_json("ready_access_token")
            if token is None or not self.check_access(token).valid:
                token = self._issue_access()
                self.store.put_json("ready_access_token", token)
            return str(token)

    def clock_floor(self) -> float:
        """The latest scaled stamp persisted, so a restarted clock never runs backwards."""
        row = self.store.execute(
            "SELECT MAX(m) FROM (SELECT MAX(MAX(issued), COALESCE(MAX(used), 0)) AS m "
            "FROM refresh_tokens UNION ALL SELECT MAX(issued) FROM access_tokens)").fetchone()
        return float(row[0] or 0.0)
