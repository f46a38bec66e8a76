"""The session's sandbox Salesforce (tests/conftest.py), driven by the real simple-salesforce client.

REQUESTS_CA_BUNDLE is set (as on this machine and in CI) to the system store, which does
not hold the sandbox's CA: any session that lets the environment override `verify` fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from resources.salesforce import SalesforceClient
from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo

SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="session")
def sf_sandbox(salesforce_sandbox: RunningSandbox) -> SandboxInfo:
    return salesforce_sandbox.info


@pytest.fixture(scope="session")
def control(sf_sandbox: SandboxInfo) -> SandboxControl:
    return SandboxControl(sf_sandbox)


@pytest.fixture(autouse=True)
def _machine_like_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", SYSTEM_CA)
    monkeypatch.setenv("CURL_CA_BUNDLE", SYSTEM_CA)


@pytest.fixture
def clean_sandbox(control: SandboxControl) -> Iterator[SandboxControl]:
    control.clear_faults()
    control.limits(max=10_000_000, used=0)
    control.reset_calls()
    yield control
    control.clear_faults()
    control.limits(max=10_000_000, used=0)


@pytest.fixture
def make_client(
    sf_sandbox: SandboxInfo, clean_sandbox: SandboxControl
) -> Callable[..., SalesforceClient]:
    def make(**overrides: Any) -> SalesforceClient:
        creds = sf_sandbox.credentials
        settings: dict[str, Any] = {
            "instance_url": sf_sandbox.base_url,
            "token_url": sf_sandbox.token_url,
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "ca_bundle": sf_sandbox.ca_bundle,
            "bulk_poll_seconds": 0.05,
        }
        settings.update(overrides)
        return SalesforceClient(**settings)

    return make


@pytest.fixture
def client(make_client: Callable[..., SalesforceClient]) -> SalesforceClient:
    return make_client()


@pytest.fixture
def tag() -> str:
    """A prefix unique to the test, so tests sharing the sandbox never see each other's rows."""
    return uuid.uuid4().hex[:8].upper()
