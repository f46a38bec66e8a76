"""Real simple-salesforce clients for the session's sandbox Salesforce (tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.harness import (
    RunningSandbox,
    SandboxControl,
    SandboxInfo,
    launch_sandbox,
    loopback_session,
)

API_VERSION = "60.0"


def fetch_token(info: SandboxInfo) -> str:
    creds = info.credentials
    response = loopback_session(info).post(info.token_url, data={
        "grant_type": "client_credentials", "client_id": creds["client_id"],
        "client_secret": creds["client_secret"]})
    response.raise_for_status()
    return str(response.json()["access_token"])


def salesforce_client(info: SandboxInfo, token: str | None = None) -> Salesforce:
    return Salesforce(instance_url=info.base_url, session_id=token or fetch_token(info),
                      session=loopback_session(info), version=API_VERSION)


@pytest.fixture(scope="session")
def sf_info(salesforce_sandbox: RunningSandbox) -> SandboxInfo:
    return salesforce_sandbox.info


@pytest.fixture
def sf(sf_info: SandboxInfo) -> Salesforce:
    """A fresh token per test, so a test that expires tokens cannot break the next one."""
    return salesforce_client(sf_info)


@pytest.fixture
def control(sf_info: SandboxInfo) -> Iterator[SandboxControl]:
    plane = SandboxControl(sf_info)
    yield plane
    plane.clear_faults()


@pytest.fixture(scope="session")
def make_sf(sf_info: SandboxInfo) -> Callable[..., Salesforce]:
    """`make_sf(token=None, info=None)`: a simple-salesforce client on a sandbox."""
    def make(token: str | None = None, info: SandboxInfo | None = None) -> Salesforce:
        return salesforce_client(info or sf_info, token)
    return make


@pytest.fixture(scope="session")
def http() -> Callable[[SandboxInfo], requests.Session]:
    """`http(info)`: a requests session that trusts that sandbox's CA."""
    return loopback_session


@pytest.fixture(scope="session")
def control_for() -> Callable[[SandboxInfo], SandboxControl]:
    return SandboxControl


@pytest.fixture
def tag() -> str:
    """A value unique to one test, stored in Trade_Register__c to find that test's records."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., RunningSandbox]]:
    """Start private sandboxes (restart tests); all are stopped at the end of the test."""
    started: list[RunningSandbox] = []

    def start(state_dir: Path | None = None, args: tuple[str, ...] = ()) -> RunningSandbox:
        sandbox = launch_sandbox("salesforce", state_dir or tmp_path / "state", args=args)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()
