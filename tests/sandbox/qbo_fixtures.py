"""Fixtures for the sandbox QBO tests: one server per test session, plain `requests` for the
v3 API (as the connector uses it) and the control plane. Import the fixtures by name."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.harness import (
    RunningSandbox,
    SandboxControl,
    SandboxInfo,
    launch_sandbox,
    loopback_session,
)

MINOR_VERSION = "75"


class QboApi:
    """QBO's v3 REST API through plain requests, bound to one realm and access token."""

    def __init__(self, info: SandboxInfo, realm_id: str, access_token: str) -> None:
        self.info = info
        self.realm_id = realm_id
        self.base = f"{info.base_url}/v3/company/{realm_id}"
        self.session = loopback_session(info)
        self.session.headers.update({"Authorization": f"Bearer {access_token}",
                                     "Accept": "application/json"})

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base}/{path}",
                                params={"minorversion": MINOR_VERSION, **params})

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.session.post(f"{self.base}/{path}", json=body,
                                 params={"minorversion": MINOR_VERSION, **params})

    def query(self, text: str) -> dict[str, Any]:
        response = self.get("query", query=text)
        assert response.status_code == 200, response.text
        return dict(response.json()["QueryResponse"])

    def create(self, entity: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        response = self.post(entity.lower(), body, **params)
        assert response.status_code == 200, response.text
        return dict(response.json()[entity])

    def customer(self, name: str, currency: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"DisplayName": name}
        if currency:
            body["CurrencyRef"] = {"value": currency}
        return self.create("Customer", body)


@pytest.fixture(scope="session")
def qbo_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    sandbox = launch_sandbox("qbo", tmp_path_factory.mktemp("qbo-sandbox"))
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="session")
def qbo_info(qbo_sandbox: RunningSandbox) -> SandboxInfo:
    return qbo_sandbox.info


@pytest.fixture
def qbo_control(qbo_info: SandboxInfo) -> Iterator[SandboxControl]:
    plane = SandboxControl(qbo_info)
    yield plane
    plane.clear_faults()


@pytest.fixture
def qbo(qbo_info: SandboxInfo) -> QboApi:
    """A fresh grant for the default company per test (a test may expire tokens)."""
    grant = SandboxControl(qbo_info).post("connect", {"realm_id": qbo_info.credentials["realm_id"]})
    return QboApi(qbo_info, grant["realm_id"], grant["access_token"])


@pytest.fixture(scope="session")
def qbo_us_realm(qbo_info: SandboxInfo) -> str:
    """A US company (TAX/NON line codes, USD, no multi-currency) on the same server."""
    return str(SandboxControl(qbo_info).post("realms", {"country": "US"})["realm_id"])


@pytest.fixture
def qbo_us(qbo_info: SandboxInfo, qbo_us_realm: str) -> QboApi:
    grant = SandboxControl(qbo_info).post("connect", {"realm_id": qbo_us_realm})
    return QboApi(qbo_info, qbo_us_realm, grant["access_token"])


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:10]
