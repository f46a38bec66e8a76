"""Intuit OAuth 2.0 as the connector meets it: authorization codes, 1-hour access tokens,
rolling ~100-day refresh tokens that rotate, `invalid_grant` for dead ones, revocation.

Durations run on the `ScaledClock`. Rotation policy (control plane `POST /__sandbox/oauth`):
- `rotate`: `always` (default: every refresh returns a new refresh token), `daily` (only
  when the current one is older than 24 h, Intuit's documented cadence) or `never`.
- `old_token`: `grace` (default: the previous refresh token keeps working, returning the same
  new pair, until the new one has been used or 24 h passed) or `strict` (it dies at rotation,
  so a lost refresh response strands the client with `invalid_grant`).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from sandbox.common.clock import ScaledClock
from sandbox.common.store import StateStore

ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400
HARD_TTL = 5 * 365 * 86400
DAY = 86400
DEFAULT_POLICY = {"rotate": "always", "old_token": "grace", "grace_seconds": DAY}


class GrantError(Exception):
    """The token endpoint answers 400 `{"error": "invalid_grant", ...}`."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description = error, description


@dataclass(frozen=True)
class AccessGrant:
    realm_id: str
    token: str


class OAuthState:
    def __init__(self, store: StateStore, clock: ScaledClock) -> None:
        self.store = store
        self.clock = clock
        self.lock = threading.RLock()
        store.execute("CREATE TABLE IF NOT EXISTS refresh_tokens (token TEXT PRIMARY KEY, "
                      "realm TEXT, family TEXT, issued REAL, expires REAL, hard_expires REAL, "
                      "state TEXT, successor TEXT, rotated_at REAL, used INTEGER)")
        store.execute("CREATE TABLE IF NOT EXISTS access_tokens (token TEXT PRIMARY KEY, "
                      "realm TEXT, family TEXT, expires REAL, epoch INTEGER)")
        store.execute("CREATE TABLE IF NOT EXISTS auth_codes (code TEXT PRIMARY KEY, realm TEXT, "
                      "redirect_uri TEXT, expires REAL, used INTEGER)")
        store.execute("CREATE TABLE IF NOT EXISTS revoked_families (family TEXT PRIMARY KEY)")

    # ----- app credentials and policy --------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        with self.lock:
            creds = self.store.get_json("oauth_app")
            if creds is None:
                creds = {"client_id": "AB" + secrets.token_urlsafe(33)[:48],
                         "client_secret": secrets.token_urlsafe(30)[:40]}
                self.store.put_json("oauth_app", creds)
            return dict(creds)

    def policy(self) -> dict[str, Any]:
        return {**DEFAULT_POLICY, **(self.store.get_json("oauth_policy") or {})}

    def set_policy(self, body: dict[str, Any]) -> dict[str, Any]:
        policy = self.policy()
        for key in ("rotate", "old_token", "grace_seconds"):
            if key in body:
                policy[key] = body[key]
        if policy["rotate"] not in ("always", "daily", "never"):
            raise ValueError("rotate must be always, daily or never")
        if policy["old_token"] not in ("grace", "strict"):
            raise ValueError("old_token must be grace or strict")
        self.store.put_json("oauth_policy", policy)
        return policy

    def epoch(self) -> int:
        return int(self.store.get_json("access_epoch", 0))

    def expire_access_tokens(self) -> int:
        with self.lock:
            epoch = self.epoch() + 1
            self.store.put_json("access_epoch", epoch)
            return epoch

    # ----- issuing ---------------------------------------------------------------------------
    def _new_refresh(self, realm_id: str, family: str, hard_expires: float) -> str:
        now = self.clock.now()
        token = f"AB11{int(now)}{secrets.token_urlsafe(30)}"
        self.store.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, 'live', NULL, "
                           "NULL, 0)", (token, realm_id, family, now, now + REFRESH_TTL,
                                        hard_expires))
        return token

    def _new_access(self, realm_id: str, family: str) -> str:
        token = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(96)
        self.store.execute("INSERT INTO access_tokens VALUES (?, ?, ?, ?, ?)",
                           (token, realm_id, family, self.clock.now() + ACCESS_TTL,
                            self.epoch()))
        return token

    def connect(self, realm_id: str) -> dict[str, Any]:
        """A fresh grant (what consent yields): a new token family for `realm_id`."""
        with self.lock:
            family = secrets.token_hex(8)
            hard = self.clock.now() + HARD_TTL
            refresh = self._new_refresh(realm_id, family, hard)
            return self._response(refresh, self._new_access(realm_id, family))

    def _response(self, refresh: str, access: str, hard: bool = False) -> dict[str, Any]:
        row = self.store.execute("SELECT expires, hard_expires FROM refresh_tokens WHERE "
                                 "token = ?", (refresh,)).fetchone()
        now = self.clock.now()
        body: dict[str, Any] = {
            "x_refresh_token_expires_in": max(int(row[0] - now), 0),
            "refresh_token": refresh, "access_token": access, "token_type": "bearer",
            "expires_in": ACCESS_TTL,
        }
        if hard:
            body["x_refresh_token_hard_expires_in"] = max(int(row[1] - now), 0)
        return body

    def issue_code(self, realm_id: str, redirect_uri: str) -> str:
        code = "AB11" + secrets.token_urlsafe(32)
        self.store.execute("INSERT INTO auth_codes VALUES (?, ?, ?, ?, 0)",
                           (code, realm_id, redirect_uri, self.clock.now() + 300))
        return code

    def exchange_code(self, code: str, redirect_uri: str, hard: bool = False) -> dict[str, Any]:
        with self.lock:
            row = self.store.execute("SELECT realm, redirect_uri, expires, used FROM auth_codes "
                                     "WHERE code = ?", (code,)).fetchone()
            if row is None or row[3] or row[2] < self.clock.now():
                raise GrantError("invalid_grant", "Invalid authorization code")
            if row[1] != redirect_uri:
                raise GrantError("invalid_grant", "Redirect URI mismatch")
            self.store.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (code,))
            grant = self.connect(row[0])
            if hard:
                grant = self._response(grant["refresh_token"], grant["access_token"], True)
            return {**grant, "realmId": row[0]}

    def refresh(self, token: str, hard: bool = False) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            row = self.store.execute(
                "SELECT realm, family, issued, expires, hard_expires, state, successor, "
                "rotated_at FROM refresh_tokens WHERE token = ?", (token,)).fetchone()
            if row is None:
                raise GrantError("invalid_grant", "Incorrect or invalid refresh token")
            realm, family, issued, expires, hard_expires, state, successor, rotated_at = row
            if state == "revoked" or self._revoked(family) or now > min(expires, hard_expires):
                raise GrantError("invalid_grant", "Incorrect or invalid refresh token")
            policy = self.policy()
            if state == "rotated":
                succ = self.store.execute("SELECT used, state FROM refresh_tokens WHERE "
                                          "token = ?", (successor,)).fetchone()
                if (policy["old_token"] == "strict" or succ is None or succ[0]
                        or succ[1] != "live"
                        or now > rotated_at + float(policy["grace_seconds"])):
                    raise GrantError("invalid_grant", "Incorrect or invalid refresh token")
                return self._response(successor, self._new_access(realm, family), hard)
            self.store.execute("UPDATE refresh_tokens SET used = 1 WHERE token = ?", (token,))
            rotate = policy["rotate"] == "always" or (
                policy["rotate"] == "daily" and now - issued > DAY)
            if rotate:
                new = self._new_refresh(realm, family, hard_expires)
                self.store.execute("UPDATE refresh_tokens SET state = 'rotated', successor = ?, "
                                   "rotated_at = ? WHERE token = ?", (new, now, token))
            else:
                new = token
                self.store.execute("UPDATE refresh_tokens SET expires = ? WHERE token = ?",
                                   (now + REFRESH_TTL, token))
            return self._response(new, self._new_access(realm, family), hard)

    def revoke(self, token: str) -> bool:
        """Revoking either token ends the whole grant (its refresh and access tokens)."""
        with self.lock:
            row = self.store.execute("SELECT family FROM refresh_tokens WHERE token = ?",
                                     (token,)).fetchone() or self.store.execute(
                "SELECT family FROM access_tokens WHERE token = ?", (token,)).fetchone()
            if row is None:
                return False
            self.store.execute("INSERT OR IGNORE INTO revoked_families VALUES (?)", (row[0],))
            return True

    def _revoked(self, family: str) -> bool:
        return self.store.execute("SELECT 1 FROM revoked_families WHERE family = ?",
                                  (family,)).fetchone() is not None

    def check_access(self, token: str) -> tuple[AccessGrant | None, str]:
        """(grant, reason): reason is the 401 detail when the grant is None."""
        row = self.store.execute("SELECT realm, family, expires, epoch FROM access_tokens "
                                 "WHERE token = ?", (token,)).fetchone()
        if row is None:
            return None, "Token invalid"
        if row[3] != self.epoch() or self.clock.now() > row[2] or self._revoked(row[1]):
            return None, "Token expired"
        return AccessGrant(row[0], token), ""
