"""The OAuth token vault: one valid access token per system and tenant, refreshed once.

Xero and QBO rotate the refresh token on every refresh and soon refuse the old one, so a
second refresh with the same token (another thread, another process, a second Dagster
run) can lose the tenant. Refreshes are therefore single-flight twice over:
- in the process, a lock per vault;
- across processes, a *lease* in the ledger: the refresher first swaps the stored token
  for itself with `refresh_lease` in `extra` (compare-and-swap on the version), so a
  competitor's swap fails with StaleTokenVersion, and it waits for the winner's token
  instead of refreshing. A lease that outlives `lease` (the holder crashed) may be taken.

The rotated refresh token is swapped into the ledger BEFORE the new access token is
handed out: a crash after that point loses nothing.

A refresh whose answer was lost (the connection dropped after the vendor rotated) is
retried once with the SAME refresh token: Xero accepts the predecessor again within its
30-minute grace. If the vendor answers invalid_grant, a human must consent again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests

from concord.errors import ReauthoriseRequired, RetriableError, UncertainWrite
from concord.ledger.errors import StaleTokenVersion
from concord.ledger.rows import StoredToken, TokenSet

logger = logging.getLogger(__name__)

LEASE_KEY = "refresh_lease"
ISSUED_KEY = "issued_at"

Refresher = Callable[[str], TokenSet]
"""Exchanges a refresh token for a new TokenSet. Raises ReauthoriseRequired when the vendor
says invalid_grant, UncertainWrite/RetriableError when the answer was lost."""


class TokenLedger(Protocol):
    """The part of concord.ledger.Ledger the vault uses."""

    def get_token(self, system: str, tenant: str) -> StoredToken | None: ...

    def swap_token(
        self, system: str, tenant: str, *, expected_version: int | None, token: TokenSet
    ) -> StoredToken: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TokenVault:
    """Valid access tokens for one (system, tenant), refreshed through `refresher`.

    `margin`: refresh when the token expires within it, capped at a quarter of the token's
    lifetime so a short-lived token (a sandbox with a scaled clock) is not refreshed on
    every call.
    """

    def __init__(
        self,
        ledger: TokenLedger,
        system: str,
        tenant: str,
        refresher: Refresher,
        *,
        margin: timedelta = timedelta(minutes=2),
        lease: timedelta = timedelta(seconds=60),
        poll_seconds: float = 0.05,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ledger = ledger
        self.system = system
        self.tenant = tenant
        self._refresher = refresher
        self.margin = margin
        self.lease = lease
        self._poll = poll_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._owner = uuid.uuid4().hex
        self._cached: StoredToken | None = None
        self.refreshes = 0  # refresh calls this vault sent (a lost-answer retry counts)

    def __repr__(self) -> str:
        return f"TokenVault(system={self.system!r}, tenant={self.tenant!r})"

    # ----- public ---------------------------------------------------------------------
    def access_token(self) -> str:
        """A token valid for at least the margin; refreshes (single-flight) when needed."""
        with self._lock:
            token = self._cached
            if token is None or self._expiring(token):
                token = self._fresh(self._expiring)
            return token.access_token

    def renew(self, stale_access_token: str) -> str:
        """The vendor refused `stale_access_token` (401): refresh, unless another thread or
        process already replaced it, in which case use theirs."""
        with self._lock:
            token = self._fresh(
                lambda t: t.access_token == stale_access_token or self._expiring(t))
            return token.access_token

    def refresh_expires_in(self) -> timedelta | None:
        """Time left on the stored refresh token (None: unknown or no token stored); for an
        asset check that warns before the tenant must consent again."""
        stored = self._ledger.get_token(self.system, self.tenant)
        if stored is None or stored.refresh_expires_at is None:
            return None
        return stored.refresh_expires_at - self._clock()

    def store(self, token: TokenSet) -> StoredToken:
        """Install a token obtained by consent (`concord auth`), replacing any stored one."""
        with self._lock:
            stored = self._ledger.get_token(self.system, self.tenant)
            version = stored.version if stored is not None else None
            self._cached = self._ledger.swap_token(
                self.system, self.tenant, expected_version=version,
                token=self._stamped(token))
            return self._cached

    # ----- refresh --------------------------------------------------------------------
    def _expiring(self, token: StoredToken) -> bool:
        now = self._clock()
        margin = self.margin
        issued = token.extra.get(ISSUED_KEY)
        if issued:
            lifetime = token.expires_at - datetime.fromisoformat(issued)
            margin = min(margin, lifetime / 4)
        return token.expires_at - now <= margin

    def _lease_holder(self, token: StoredToken) -> str | None:
        lease: dict[str, Any] | None = token.extra.get(LEASE_KEY)
        if not lease or datetime.fromisoformat(lease["until"]) <= self._clock():
            return None
        return str(lease["owner"])

    def _fresh(self, needs_refresh: Callable[[StoredToken], bool]) -> StoredToken:
        """The stored token, refreshed first if `needs_refresh` says so and nobody else is."""
        give_up = time.monotonic() + 2 * self.lease.total_seconds()
        while True:
            stored = self._ledger.get_token(self.system, self.tenant)
            if stored is None:
                raise self._reauthorise("no token stored")
            if not needs_refresh(stored):
                self._cached = stored
                return stored
            holder = self._lease_holder(stored)
            if holder is not None and holder != self._owner:
                if time.monotonic() > give_up:
                    raise RetriableError("another worker's token refresh did not finish",
                                         system=self.system, record_id=self.tenant)
                self._sleep(self._poll)
                continue
            lease = {"owner": self._owner,
                     "until": (self._clock() + self.lease).isoformat()}
            try:
                claimed = self._ledger.swap_token(
                    self.system, self.tenant, expected_version=stored.version,
                    token=replace_extra(stored, {**stored.extra, LEASE_KEY: lease}))
            except StaleTokenVersion:
                continue  # someone moved first: read what they wrote
            return self._refresh(claimed)

    def _refresh(self, claimed: StoredToken) -> StoredToken:
        try:
            new = self._exchange(claimed.refresh_token)
        except BaseException:
            self._release(claimed)
            raise
        try:
            committed = self._ledger.swap_token(
                self.system, self.tenant, expected_version=claimed.version,
                token=self._stamped(new))
        except StaleTokenVersion:
            # Our lease ran out and another worker took over; theirs is the live token.
            winner = self._ledger.get_token(self.system, self.tenant)
            if winner is None:
                raise self._reauthorise("token removed during refresh") from None
            self._cached = winner
            return winner
        logger.info("%s/%s: access token refreshed (version %d)", self.system, self.tenant,
                    committed.version)
        self._cached = committed
        return committed

    def _exchange(self, refresh_token: str) -> TokenSet:
        """Call the vendor; one retry with the same token when the answer was lost."""
        for attempt in (1, 2):
            self.refreshes += 1
            try:
                return self._refresher(refresh_token)
            except ReauthoriseRequired as exc:
                raise self._reauthorise("refresh token refused",
                                        vendor_code=exc.vendor_code) from None
            except (UncertainWrite, RetriableError) as exc:
                if attempt == 2:
                    raise RetriableError(
                        f"token refresh failed twice ({type(exc).__name__}); the stored "
                        "refresh token stays valid for the vendor's grace period",
                        system=self.system, record_id=self.tenant) from None
                logger.warning("%s/%s: token refresh answer lost; retrying once with the "
                               "same refresh token", self.system, self.tenant)
        raise AssertionError("unreachable")

    def _release(self, claimed: StoredToken) -> None:
        """Drop our lease after a failed refresh so other workers need not wait it out."""
        extra = {k: v for k, v in claimed.extra.items() if k != LEASE_KEY}
        with contextlib.suppress(StaleTokenVersion):
            self._ledger.swap_token(self.system, self.tenant,
                                    expected_version=claimed.version,
                                    token=replace_extra(claimed, extra))

    def _stamped(self, token: TokenSet) -> TokenSet:
        extra = {k: v for k, v in token.extra.items() if k != LEASE_KEY}
        extra[ISSUED_KEY] = self._clock().isoformat()
        return replace_extra(token, extra)

    def _reauthorise(self, why: str, vendor_code: str | None = None) -> ReauthoriseRequired:
        return ReauthoriseRequired(
            f"{why}; re-authorise {self.system} tenant {self.tenant}: "
            f"run `concord auth {self.system}`",
            system=self.system, vendor_code=vendor_code)


def replace_extra(token: TokenSet, extra: dict[str, Any]) -> TokenSet:
    """A plain TokenSet (not a StoredToken) with the same secrets and a new `extra`."""
    return TokenSet(access_token=token.access_token, refresh_token=token.refresh_token,
                    expires_at=token.expires_at, refresh_expires_at=token.refresh_expires_at,
                    extra=extra)


__all__ = ["Refresher", "TokenLedger", "TokenVault", "replace_extra"]


class VaultAuthenticator:
    """The Transport's Authenticator seam: Bearer from the vault, renewed on 401."""

    def __init__(self, vault: TokenVault) -> None:
        self.vault = vault

    def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.vault.access_token()}"}

    def is_expired(self, response: requests.Response) -> bool:
        return response.status_code == 401

    def renew(self, stale: Mapping[str, str]) -> None:
        self.vault.renew(stale.get("Authorization", "").removeprefix("Bearer "))
