"""One sandbox Salesforce per test session, and real simple-salesforce clients for it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.harness import RunningSandbox, SandboxInfo, launch_sandbox

API_VERSION = "60.0"


def sandbox_session(info: SandboxInfo) -> requests.Session:
    """A session that trusts the sandbox CA even with REQUESTS_CA_BUNDLE set in the env."""
    session = requests.Session()
    session.trust_env = False
    session.verify = info.ca_bundle
    return session


def fetch_token(info: SandboxInfo) -> str:
    creds = info.credentials
    response = sandbox_session(info).post(info.token_url, data={
        "grant_type": "client_credentials", "client_id": creds["client_id"],
        "client_secret": creds["client_secret"]})
    response.raise_for_status()
    return str(response.json()["access_token"])


def salesforce_client(info: SandboxInfo, token: str | None = None) -> Salesforce:
    return Salesforce(instance_url=info.base_url, session_id=token or fetch_token(info),
                      session=sandbox_session(info), version=API_VERSION)


class Control:
    """The sandbox control plane (`/__sandbox/…`)."""

    def __init__(self, info: SandboxInfo) -> None:
        self.base = f"{info.base_url}/__sandbox"
        self.session = sandbox_session(info)

    def get(self, name: str) -> Any:
        response = self.session.get(f"{self.base}/{name}")
        response.raise_for_status()
        return response.json()

    def post(self, name: str, body: Any = None) -> Any:
        response = self.session.post(f"{self.base}/{name}", json=body)
        response.raise_for_status()
        return response.json()

    def clear_faults(self) -> None:
        self.session.delete(f"{self.base}/faults").raise_for_status()


@pytest.fixture(scope="session")
def salesforce_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    sandbox = launch_sandbox("salesforce", tmp_path_factory.mktemp("salesforce-sandbox"))
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="session")
def sf_info(salesforce_sandbox: RunningSandbox) -> SandboxInfo:
    return salesforce_sandbox.info


@pytest.fixture
def sf(sf_info: SandboxInfo) -> Salesforce:
    """A fresh token per test, so a test that expires tokens cannot break the next one."""
    return salesforce_client(sf_info)


@pytest.fixture
def control(sf_info: SandboxInfo) -> Iterator[Control]:
    plane = Control(sf_info)
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
    return sandbox_session


@pytest.fixture(scope="session")
def control_for() -> Callable[[SandboxInfo], Control]:
    return Control


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
