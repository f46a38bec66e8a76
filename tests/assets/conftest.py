"""End-to-end fixtures: a sandbox platform, the sandbox Salesforce and a fresh ledger,
wired through the same environment variables a deployment uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
from simple_salesforce import Salesforce

from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo, loopback_session

PLATFORM_SCALE = 300
PLATFORM_SEED = 7


@pytest.fixture(scope="session")
def e2e_salesforce(salesforce_sandbox: RunningSandbox) -> Iterator[SandboxInfo]:
    """The session sandbox, named in the environment as a deployment names a real org."""
    info = salesforce_sandbox.info
    env = {
        "SALESFORCE_INSTANCE_URL": info.base_url,
        "SALESFORCE_TOKEN_URL": info.token_url,
        "SALESFORCE_CLIENT_ID": info.credentials["client_id"],
        "SALESFORCE_CLIENT_SECRET": info.credentials["client_secret"],
        "SALESFORCE_CA_BUNDLE": info.ca_bundle,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield info
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def platform_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.platform.generate import generate_platform

    path = tmp_path_factory.mktemp("platform") / "platform.sqlite"
    generate_platform(path, scale=PLATFORM_SCALE, seed=PLATFORM_SEED)
    return path


@pytest.fixture
def sync_env(tmp_path: Path, platform_template: Path, e2e_salesforce: SandboxInfo,
             monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the platform and a fresh ledger for one test."""
    platform = tmp_path / "platform.sqlite"
    platform.write_bytes(platform_template.read_bytes())
    monkeypatch.setenv("CONCORD_PLATFORM_URL", f"sqlite:///{platform}")
    monkeypatch.setenv("CONCORD_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return tmp_path


@pytest.fixture
def instance(sync_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """The instance `concord sync` uses, under the test's DAGSTER_HOME."""
    with disk_instance(monkeypatch) as inst:
        yield inst


@contextmanager
def disk_instance(monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """Dagster's SQLite storage under DAGSTER_HOME, written through the pooled event log
    as `concord sync` writes it. The in-memory instance stored each of a range run's
    ~5,000 events on its own: two thirds of an end-to-end test's time."""
    from integration_dags.run import EVENT_BATCH_SIZE, sync_instance

    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    with sync_instance() as inst:
        yield inst


def salesforce_client(info: SandboxInfo) -> Salesforce:
    """simple-salesforce itself, with a fresh token, for looking at what a sync left."""
    token = loopback_session(info).post(info.token_url, data={
        "grant_type": "client_credentials",
        "client_id": info.credentials["client_id"],
        "client_secret": info.credentials["client_secret"]}).json()["access_token"]
    return Salesforce(instance_url=info.base_url, session_id=token,
                      session=loopback_session(info), version="60.0")


@pytest.fixture
def sf(e2e_salesforce: SandboxInfo) -> Salesforce:
    return salesforce_client(e2e_salesforce)


def wipe_org(info: SandboxInfo) -> None:
    """The org is shared by the session's tests: start each from no records at all. Not
    even deleted ones: our golden ids are deterministic, and a deleted record carrying one
    would (rightly) be reported as "deleted in Salesforce" and not re-created."""
    SandboxControl(info).post("reset")


def salesforce_as_person(info: SandboxInfo) -> Salesforce:
    """simple-salesforce logged in as a person of the org (password flow), not as the
    integration user Concord writes as: their edits are changes Concord must pick up."""
    creds = info.credentials
    token = loopback_session(info).post(info.token_url, data={
        "grant_type": "password", "client_id": creds["client_id"],
        "client_secret": creds["client_secret"], "username": creds["username"],
        "password": creds["password"]}).json()["access_token"]
    return Salesforce(instance_url=info.base_url, session_id=token,
                      session=loopback_session(info), version="60.0")


@pytest.fixture
def fresh_org(e2e_salesforce: SandboxInfo) -> None:
    """For tests that run the sync themselves: the shared org starts empty."""
    wipe_org(e2e_salesforce)
