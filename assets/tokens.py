"""Refresh-token expiry per configured Xero tenant and QBO realm, as asset checks.

A refresh token that expires strands its tenant until someone consents again (`concord auth`).
Xero's die after 60 days unused and QBO's after about 100; every refresh restarts the clock,
so an approaching expiry means the syncs have not refreshed for weeks. Each system's check
warns when a token has less than 14 days left and fails when one is expired or missing
(the worst tenant decides). Metadata holds system, tenant, expiry and days left: never a token.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from concord.ledger import TokenKeyError
from resources.ledger import LedgerResource
from resources.tokens import ISSUED_KEY, TokenLedger

ASSET = "oauth_refresh_tokens"
SYSTEMS = ("xero", "qbo")
# Used only to estimate an expiry the ledger did not record.
LIFETIMES = {"xero": timedelta(days=60), "qbo": timedelta(seconds=8_726_400)}
WARN_DAYS = 14


@dataclass(frozen=True)
class TokenExpiry:
    """One tenant's refresh token, as far as the check needs it (no secret in here)."""

    system: str
    tenant: str
    expires_at: datetime | None
    estimated: bool = False
    problem: str | None = None  # why there is no usable token

    def days_left(self, now: datetime) -> float | None:
        if self.expires_at is None:
            return None
        return (self.expires_at - now).total_seconds() / 86400

    def severity(self, now: datetime, warn_days: float) -> dg.AssetCheckSeverity | None:
        """None: fine."""
        days = self.days_left(now)
        if self.problem is not None or days is None or days <= 0:
            return dg.AssetCheckSeverity.ERROR
        return dg.AssetCheckSeverity.WARN if days < warn_days else None

    def state(self, now: datetime) -> str:
        days = self.days_left(now)
        if self.problem is not None or self.expires_at is None or days is None:
            return self.problem or "expiry unknown"
        if days <= 0:
            return (f"refresh token expired {self.expires_at:%Y-%m-%d}; "
                    f"run `concord auth {self.system}`")
        guess = " (estimated)" if self.estimated else ""
        return (f"refresh token expires {self.expires_at:%Y-%m-%d %H:%M} UTC{guess}, "
                f"{days:.1f} days left")


def read_expiry(ledger: TokenLedger, system: str, tenant: str) -> TokenExpiry:
    try:
        stored = ledger.get_token(system, tenant)
    except TokenKeyError as exc:  # its message names the variable, never the key
        return TokenExpiry(system, tenant, None, problem=f"stored token unreadable: {exc}")
    if stored is None:
        return TokenExpiry(system, tenant, None,
                           problem=f"no token stored; run `concord auth {system}`")
    if stored.refresh_expires_at is not None:
        return TokenExpiry(system, tenant, stored.refresh_expires_at)
    issued = stored.extra.get(ISSUED_KEY)
    since = datetime.fromisoformat(issued) if issued else stored.updated_at
    return TokenExpiry(system, tenant, since + LIFETIMES[system], estimated=True)


_RANK = {None: 0, dg.AssetCheckSeverity.WARN: 1, dg.AssetCheckSeverity.ERROR: 2}


def check_system(system: str, expiries: Sequence[TokenExpiry], now: datetime,
                 warn_days: float = WARN_DAYS) -> dg.AssetCheckResult:
    """One result per system; the tenant closest to losing its token decides."""
    name = f"{system}_refresh_token_expiry"
    if not expiries:
        return dg.AssetCheckResult(check_name=name, passed=True,
                                   description="no tenants configured",
                                   metadata={"system": system, "tenants": 0})

    def badness(e: TokenExpiry) -> tuple[int, float]:
        days = e.days_left(now)
        return (_RANK[e.severity(now, warn_days)], -(days if days is not None else -1e9))

    worst = max(expiries, key=badness)
    severity = worst.severity(now, warn_days)
    days = worst.days_left(now)
    metadata: dict[str, object] = {
        "system": system, "tenant": worst.tenant, "tenants": len(expiries),
        "expires_at": worst.expires_at.isoformat() if worst.expires_at else "unknown",
    }
    if days is not None:
        metadata["days_left"] = dg.MetadataValue.float(round(days, 1))
    if worst.estimated:
        metadata["expires_at_estimated"] = True
    rows = "\n".join(f"| {e.tenant} | {e.state(now)} |" for e in expiries)
    metadata["by_tenant"] = dg.MetadataValue.md(f"| tenant | refresh token |\n|---|---|\n{rows}")
    return dg.AssetCheckResult(
        check_name=name, passed=severity is None,
        severity=severity or dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{e.tenant}: {e.state(now)}" for e in expiries),
        metadata=metadata)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_token_expiry_asset(
    tenants: Mapping[str, Sequence[str]], *, warn_days: float = WARN_DAYS,
    clock: Callable[[], datetime] = _utc_now,
) -> dg.AssetsDefinition:
    """`tenants`: system -> configured tenant/realm ids (none: the checks pass, saying so)."""
    configured = {s: [t for t in tenants.get(s, ()) if t] for s in SYSTEMS}
    checks = [dg.AssetCheckSpec(f"{s}_refresh_token_expiry", asset=ASSET,
                                description=f"{s} refresh tokens: warn under {warn_days:g} "
                                            "days left, fail when expired or missing")
              for s in SYSTEMS]

    @dg.asset(name=ASSET, group_name="oauth", check_specs=checks,
              description="The OAuth refresh tokens in the ledger, per configured tenant: "
                          "when each expires (no secrets)")
    def oauth_refresh_tokens(ledger: LedgerResource) -> dg.MaterializeResult:
        now = clock()
        book = ledger.open() if any(configured.values()) else None
        results, soonest = [], None
        for system in SYSTEMS:
            expiries = [read_expiry(book, system, t) for t in configured[system]] if book else []
            results.append(check_system(system, expiries, now, warn_days))
            for e in expiries:
                if e.expires_at is not None and (soonest is None or e.expires_at < soonest):
                    soonest = e.expires_at
        metadata: dict[str, object] = {f"{s}_tenants": len(configured[s]) for s in SYSTEMS}
        metadata["soonest_expiry"] = soonest.isoformat() if soonest else "none"
        return dg.MaterializeResult(metadata=metadata, check_results=results)

    return oauth_refresh_tokens


__all__ = ["ASSET", "TokenExpiry", "build_token_expiry_asset", "check_system", "read_expiry"]
