"""The refresh-token expiry checks, materialized through Dagster on a real ledger.

What operations rely on: a tenant whose refresh token is about to die is flagged two weeks
ahead (WARN), an expired or missing one fails (ERROR) and names the tenant, a deployment
with no Xero/QBO configured stays green, and no token ever reaches Dagster's metadata.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from cryptography.fernet import Fernet

from assets.tokens import ASSET, build_token_expiry_asset
from concord.ledger import Ledger, TokenSet
from resources.ledger import LedgerResource
from resources.tokens import TokenVault

KEY = Fernet.generate_key().decode()
XERO_A, XERO_B = "0f5a4b3c-0000-4000-8000-00000000000a", "0f5a4b3c-0000-4000-8000-00000000000b"
REALM = "9341452137650290"


@pytest.fixture
def ledger_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CONCORD_TOKEN_KEY", KEY)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    Ledger.open(url).close()
    return url


def store(url: str, system: str, tenant: str, refresh_left: timedelta | None) -> TokenSet:
    """A token whose refresh token has `refresh_left` to live (None: expiry not recorded)."""
    now = datetime.now(UTC)
    token = TokenSet(access_token="at-" + secrets.token_urlsafe(24),
                     refresh_token="rt-" + secrets.token_urlsafe(24),
                     expires_at=now + timedelta(minutes=30),
                     refresh_expires_at=None if refresh_left is None else now + refresh_left)
    with Ledger(url) as ledger:
        TokenVault(ledger, system, tenant, refresher=lambda _: token).store(token)
    return token


def run_checks(url: str, tenants: Mapping[str, Sequence[str]]) -> tuple[
        dict[str, Any], dict[str, dg.AssetCheckEvaluation]]:
    result = dg.materialize([build_token_expiry_asset(tenants)],
                            resources={"ledger": LedgerResource(url=url)})
    assert result.success
    materialization = result.asset_materializations_for_node(ASSET)[0]
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return dict(materialization.metadata), checks


def values(evaluation: dg.AssetCheckEvaluation) -> dict[str, Any]:
    return {k: v.value for k, v in evaluation.metadata.items()}


def assert_no_secrets(tokens: Sequence[TokenSet], *texts: object) -> None:
    shown = " ".join(repr(t) for t in texts)
    for token in tokens:
        assert token.access_token not in shown and token.refresh_token not in shown
    assert KEY not in shown


def test_a_token_two_weeks_from_expiry_warns_and_a_healthy_one_passes(ledger_url: str) -> None:
    healthy = store(ledger_url, "xero", XERO_A, timedelta(days=45))
    ageing = store(ledger_url, "qbo", REALM, timedelta(days=10, hours=1))
    metadata, checks = run_checks(ledger_url, {"xero": [XERO_A], "qbo": [REALM]})

    xero, qbo = checks["xero_refresh_token_expiry"], checks["qbo_refresh_token_expiry"]
    assert xero.passed
    assert values(xero)["days_left"] == pytest.approx(45, abs=0.1)
    assert not qbo.passed and qbo.severity == dg.AssetCheckSeverity.WARN
    shown = values(qbo)
    assert shown["system"] == "qbo" and shown["tenant"] == REALM
    assert shown["days_left"] == pytest.approx(10.04, abs=0.1)
    assert datetime.fromisoformat(shown["expires_at"]) == ageing.refresh_expires_at
    assert "10.0 days left" in (qbo.description or "")
    assert metadata["soonest_expiry"].value == ageing.refresh_expires_at.isoformat()
    assert_no_secrets([healthy, ageing], metadata, xero.metadata, qbo.metadata,
                      xero.description, qbo.description)


def test_an_expired_or_missing_token_fails_and_names_the_tenant(ledger_url: str) -> None:
    fine = store(ledger_url, "xero", XERO_A, timedelta(days=30))
    dead = store(ledger_url, "xero", XERO_B, timedelta(days=-1))
    metadata, checks = run_checks(ledger_url, {"xero": [XERO_A, XERO_B], "qbo": [REALM]})

    xero, qbo = checks["xero_refresh_token_expiry"], checks["qbo_refresh_token_expiry"]
    assert not xero.passed and xero.severity == dg.AssetCheckSeverity.ERROR
    shown = values(xero)
    assert shown["tenant"] == XERO_B and shown["tenants"] == 2
    assert shown["days_left"] == pytest.approx(-1, abs=0.1)
    assert XERO_A in shown["by_tenant"] and XERO_B in shown["by_tenant"]
    assert "concord auth xero" in (xero.description or "")
    # a configured realm without any token: nobody has consented yet
    assert not qbo.passed and qbo.severity == dg.AssetCheckSeverity.ERROR
    assert values(qbo)["tenant"] == REALM and values(qbo)["expires_at"] == "unknown"
    assert "no token stored" in (qbo.description or "")
    assert_no_secrets([fine, dead], metadata, xero.metadata, qbo.metadata, xero.description)


def test_an_unrecorded_expiry_is_estimated_from_the_last_refresh(ledger_url: str) -> None:
    token = store(ledger_url, "xero", XERO_A, None)
    _, checks = run_checks(ledger_url, {"xero": [XERO_A]})
    shown = values(checks["xero_refresh_token_expiry"])
    assert checks["xero_refresh_token_expiry"].passed
    assert shown["expires_at_estimated"] is True
    assert shown["days_left"] == pytest.approx(60, abs=0.1)  # Xero: 60 days from issue
    assert_no_secrets([token], checks["xero_refresh_token_expiry"].metadata)


def test_a_wrong_token_key_fails_the_check_without_showing_any_key(
        ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token = store(ledger_url, "qbo", REALM, timedelta(days=90))
    monkeypatch.setenv("CONCORD_TOKEN_KEY", other := Fernet.generate_key().decode())
    _, checks = run_checks(ledger_url, {"qbo": [REALM]})
    qbo = checks["qbo_refresh_token_expiry"]
    assert not qbo.passed and qbo.severity == dg.AssetCheckSeverity.ERROR
    assert "CONCORD_TOKEN_KEY" in (qbo.description or "")
    assert other not in repr(qbo.metadata) + (qbo.description or "")
    assert_no_secrets([token], qbo.metadata, qbo.description)


def test_the_code_location_runs_the_checks_with_no_tenants_configured(
        ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped job, as the daily schedule launches it, on a deployment without Xero/QBO."""
    from integration_dags.definitions import configured_tenants, defs

    assert configured_tenants({}) == {"xero": [], "qbo": []}
    assert configured_tenants({"XERO_TENANT_ID": f"{XERO_A}, {XERO_B}"})["xero"] == [
        XERO_A, XERO_B]
    assert defs.resolve_schedule_def("oauth_tokens_daily").job_name == "oauth_tokens"
    for name in ("XERO_TENANT_ID", "QBO_REALM_ID"):
        monkeypatch.delenv(name, raising=False)
    result = dg.materialize([build_token_expiry_asset(configured_tenants())],
                            resources={"ledger": LedgerResource(url=ledger_url)})
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(checks) == {"xero_refresh_token_expiry", "qbo_refresh_token_expiry"}
    assert all(c.passed and c.description == "no tenants configured" for c in checks.values())
    monkeypatch.setenv("CONCORD_LEDGER_URL", ledger_url)
    with dg.instance_for_test() as instance:
        run = defs.resolve_job_def("oauth_tokens").execute_in_process(instance=instance)
    assert run.success
    assert {e.check_name for e in run.get_asset_check_evaluations()} == set(checks)
