"""The token vault against the sandbox Xero's real token endpoint (rotating refresh tokens).

Behaviour relied on: however many threads or processes need a fresh token at once, Xero
sees ONE refresh; a lost refresh answer costs nothing; a dead refresh token asks a human to
re-authorise without printing any secret.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from concord.errors import ReauthoriseRequired
from concord.ledger import Ledger, TokenSet
from resources.tokens import TokenVault, replace_extra
from resources.xero import XeroClient
from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo, launch_sandbox
from tests.sandbox.xero_fixtures import FAST_LIMITS

KEY = Fernet.generate_key().decode()


@dataclass
class Tenant:
    info: SandboxInfo
    control: SandboxControl
    ledger_url: str

    def client(self, ledger: Ledger | None = None) -> XeroClient:
        creds = self.info.credentials
        return XeroClient(
            base_url=self.info.base_url, token_url=self.info.token_url,
            connections_url=self.info.extra["connections_url"],
            client_id=creds["client_id"], client_secret=creds["client_secret"],
            tenant_id=creds["tenant_id"], ledger=ledger or Ledger(self.ledger_url,
                                                                  token_key=KEY),
            ca_bundle=self.info.ca_bundle, minute_limit=100_000)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    running = launch_sandbox("xero", tmp_path_factory.mktemp("xero-vault"), args=FAST_LIMITS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tenant(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    """A ledger holding the sandbox tenant's token; every test leaves the newest one there."""
    url = f"sqlite:///{tmp_path_factory.mktemp('vault-ledger') / 'ledger.sqlite3'}"
    creds = sandbox.info.credentials
    Ledger.open(url, token_key=KEY).swap_token(
        "xero", creds["tenant_id"], expected_version=None,
        token=TokenSet(access_token=creds["access_token"], refresh_token=creds["refresh_token"],
                       expires_at=datetime.now(UTC) + timedelta(minutes=30)))
    return Tenant(sandbox.info, SandboxControl(sandbox.info), url)


@pytest.fixture
def control(tenant: Tenant) -> Iterator[SandboxControl]:
    tenant.control.clear_faults()
    tenant.control.reset_calls()
    yield tenant.control
    tenant.control.clear_faults()


def expire_stored(ledger: Ledger, tenant_id: str) -> None:
    """Make the stored access token look expired to every vault reading this ledger."""
    stored = ledger.get_token("xero", tenant_id)
    assert stored is not None
    ledger.swap_token("xero", tenant_id, expected_version=stored.version, token=TokenSet(
        access_token=stored.access_token, refresh_token=stored.refresh_token,
        expires_at=datetime.now(UTC) - timedelta(seconds=1), extra=stored.extra))


def token_calls(control: SandboxControl) -> int:
    return int(control.calls()["by_kind"].get("token", 0))


def run_together(callers: list[TokenVault]) -> list[str]:
    barrier = threading.Barrier(len(callers))
    got: list[str | BaseException] = [""] * len(callers)

    def call(i: int) -> None:
        barrier.wait()
        try:
            got[i] = callers[i].access_token()
        except BaseException as exc:
            got[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(callers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(g, str) and g for g in got), got
    return [str(g) for g in got]


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_callers_share_one_refresh(tenant: Tenant, control: SandboxControl,
                                              threads: int) -> None:
    client = tenant.client()
    expire_stored(Ledger(tenant.ledger_url, token_key=KEY), client.tenant_id)

    tokens = run_together([client.vault] * threads)

    assert token_calls(control) == 1
    assert len(set(tokens)) == 1
    assert client.vault.access_token() == tokens[0]  # no second refresh afterwards
    assert token_calls(control) == 1


def test_two_processes_refresh_once_and_use_the_winners_token(
        tenant: Tenant, control: SandboxControl) -> None:
    """Two Ledger objects on one SQLite file stand for two processes / Dagster runs."""
    first, second = tenant.client(), tenant.client()
    expire_stored(Ledger(tenant.ledger_url, token_key=KEY), first.tenant_id)

    tokens = run_together([first.vault, second.vault] * 3)

    assert token_calls(control) == 1
    assert len(set(tokens)) == 1
    assert first.vault.refreshes + second.vault.refreshes == 1
    # the rotated refresh token was committed: the next refresh succeeds
    expire_stored(Ledger(tenant.ledger_url, token_key=KEY), first.tenant_id)
    third = tenant.client()
    assert (third.vault.access_token() in tokens) is False
    assert token_calls(control) == 2


def test_lost_refresh_answer_is_retried_once_within_the_grace(
        tenant: Tenant, control: SandboxControl, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = tenant.client()
    ledger = Ledger(tenant.ledger_url, token_key=KEY)
    expire_stored(ledger, client.tenant_id)
    control.fault(method="POST", path="/connect/token", action="reset_after_commit")

    client.vault.access_token()
    organisation = client.accounting.get_organisations(client.tenant_id)

    assert organisation.organisations[0].organisation_id == client.tenant_id
    assert token_calls(control) == 2  # the lost one and one retry with the same token
    assert client.vault.refreshes == 2
    stored = ledger.get_token("xero", client.tenant_id)
    assert stored is not None
    assert stored.access_token not in caplog.text
    assert stored.refresh_token not in caplog.text
    assert "retrying once with the same refresh token" in caplog.text
    # the successor the server rotated to is what the ledger holds: refreshing again works
    expire_stored(ledger, client.tenant_id)
    tenant.client().vault.access_token()
    assert token_calls(control) == 3


def test_refused_refresh_token_asks_for_reauthorisation_without_secrets(
        tenant: Tenant, control: SandboxControl, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'other.sqlite3'}", token_key=KEY)
    secret_refresh, secret_access = "refresh-SECRET-0123456789", "access-SECRET-9876543210"
    client = tenant.client(ledger)
    client.vault.store(TokenSet(access_token=secret_access, refresh_token=secret_refresh,
                                expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    with pytest.raises(ReauthoriseRequired) as raised:
        client.vault.access_token()

    message = str(raised.value)
    assert f"re-authorise xero tenant {client.tenant_id}" in message
    assert "concord auth xero" in message
    assert raised.value.vendor_code == "invalid_grant"
    for secret in (secret_refresh, secret_access):
        assert secret not in message
        assert secret not in repr(raised.value)
        assert secret not in caplog.text
    assert token_calls(control) == 1  # invalid_grant is not retried
    # the failed refresh released its lease: the stored token is unchanged, unleased
    stored = ledger.get_token("xero", client.tenant_id)
    assert stored is not None and "refresh_lease" not in stored.extra


def test_refresh_expiry_is_visible_for_an_asset_check(tenant: Tenant,
                                                      control: SandboxControl) -> None:
    client = tenant.client()
    expire_stored(Ledger(tenant.ledger_url, token_key=KEY), client.tenant_id)
    client.vault.access_token()

    left = client.vault.refresh_expires_in()

    assert left is not None
    assert timedelta(days=59) < left <= timedelta(days=60)


def test_a_crashed_refreshers_lease_is_taken_over(tenant: Tenant,
                                                  control: SandboxControl) -> None:
    """A worker that claimed the refresh and died must not block the tenant forever."""
    ledger = Ledger(tenant.ledger_url, token_key=KEY)
    client = tenant.client()
    expire_stored(ledger, client.tenant_id)
    stored = ledger.get_token("xero", client.tenant_id)
    assert stored is not None
    dead = {"owner": "dead-worker", "until": (datetime.now(UTC) - timedelta(seconds=1))
            .isoformat()}
    ledger.swap_token("xero", client.tenant_id, expected_version=stored.version,
                      token=replace_extra(stored, {**stored.extra, "refresh_lease": dead}))

    client.vault.access_token()

    assert token_calls(control) == 1
