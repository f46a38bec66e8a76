"""Fixtures for the sandbox Xero tests: a server per session and REAL xero-python clients.

Test modules import the fixtures they use (`from tests.sandbox.xero_fixtures import …`);
tests/sandbox/conftest.py belongs to the Salesforce tests.

Pointing xero-python 15 at the sandbox (no patching):
- `AccountingApi(api_client, base_url=info.base_url)`, `IdentityApi(api_client,
  base_url=<scheme://host:port>)`;
- `Configuration(...)` ignores its arguments after the first instance in a process (it
  copies a class-wide default): assign `oauth2_token` and `ssl_ca_cert` as attributes;
- the CA goes in `Configuration.ssl_ca_cert` before `ApiClient` is built: xero-python's
  rest client is urllib3, which ignores REQUESTS_CA_BUNDLE/SSL_CERT_FILE;
- the token endpoint is `TokenApi.refresh_token_url`, a class attribute; `SandboxOAuth2Token`
  sets it on the per-call TokenApi instance instead of on the class.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from urllib3.util.retry import Retry
from xero_python.accounting import AccountingApi
from xero_python.accounting.models import Contact, Invoice, Invoices, LineItem
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from sandbox.harness import (
    RunningSandbox,
    SandboxControl,
    SandboxInfo,
    launch_sandbox,
)

SCOPE = ["offline_access", "accounting.transactions", "accounting.contacts",
         "accounting.settings"]
FAST_LIMITS = ("--minute-limit", "100000", "--day-limit", "1000000")


class SandboxOAuth2Token(OAuth2Token):
    """OAuth2Token whose refresh goes to the sandbox's token URL."""

    def __init__(self, refresh_token_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refresh_token_url = refresh_token_url

    def call_refresh_token_api(self, token_api: TokenApi) -> dict[str, Any]:
        token_api.refresh_token_url = self.refresh_token_url
        return super().call_refresh_token_api(token_api)


@dataclass
class XeroClient:
    """A real xero-python client wired to one sandbox; `token` is what a connector stores."""

    info: SandboxInfo
    api_client: ApiClient
    accounting: AccountingApi
    identity: IdentityApi
    token: dict[str, Any] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str:
        return self.info.credentials["tenant_id"]


def make_client(info: SandboxInfo, token: dict[str, Any] | None = None,
                retries: bool = True) -> XeroClient:
    """`retries=False` turns off urllib3's default Retry, which otherwise SLEEPS Retry-After
    and re-sends 429/503 answers (GET/PUT/DELETE) and re-sends PUTs whose connection dropped,
    all invisibly to xero-python's caller."""
    creds = info.credentials
    config = Configuration()  # NB: returns a copy of the FIRST Configuration ever built,
    # ignoring its arguments (metaclass TypeWithDefault): set every attribute explicitly.
    config.oauth2_token = SandboxOAuth2Token(
        info.token_url, client_id=creds["client_id"], client_secret=creds["client_secret"])
    config.ssl_ca_cert = info.ca_bundle
    store: dict[str, Any] = dict(token or {
        "access_token": creds["access_token"], "refresh_token": creds["refresh_token"],
        "scope": SCOPE, "expires_in": 1800, "token_type": "Bearer"})
    api_client = ApiClient(config, oauth2_token_getter=lambda: store,
                           oauth2_token_saver=lambda new: (store.clear(), store.update(new)))
    if not retries:
        api_client.rest_client.pool_manager.connection_pool_kw["retries"] = Retry(
            total=0, respect_retry_after_header=False, raise_on_status=False)
    identity_base = "{0.scheme}://{0.netloc}".format(urlsplit(info.base_url))
    return XeroClient(info, api_client, AccountingApi(api_client, base_url=info.base_url),
                      IdentityApi(api_client, base_url=identity_base), store)


def sales_invoice(contact_name: str, lines: list[LineItem], **fields: Any) -> Invoice:
    return Invoice(type="ACCREC", contact=Contact(name=contact_name), line_items=lines,
                   **fields)


def line(quantity: str, unit: str, tax_type: str = "OUTPUT2", account: str = "200",
         **fields: Any) -> LineItem:
    return LineItem(description="Service", quantity=Decimal(quantity),
                    unit_amount=Decimal(unit), account_code=account, tax_type=tax_type,
                    **fields)


def create(client: XeroClient, *invoices: Invoice, **kwargs: Any) -> Invoices:
    return client.accounting.create_invoices(client.tenant_id, Invoices(invoices=list(invoices)),
                                             summarize_errors=False, **kwargs)


@pytest.fixture(scope="session")
def xero_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    sandbox = launch_sandbox("xero", tmp_path_factory.mktemp("xero-sandbox"), args=FAST_LIMITS)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="session")
def xero_info(xero_sandbox: RunningSandbox) -> SandboxInfo:
    return xero_sandbox.info


@pytest.fixture(scope="session")
def xero(xero_info: SandboxInfo) -> XeroClient:
    """One client for the session (it refreshes its own token when needed)."""
    return make_client(xero_info)


@pytest.fixture
def xero_control(xero_info: SandboxInfo) -> Iterator[SandboxControl]:
    plane = SandboxControl(xero_info)
    yield plane
    plane.clear_faults()


@pytest.fixture
def tag() -> str:
    """A value unique to one test (contact names, references)."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def launch_xero(tmp_path: Path) -> Iterator[Callable[..., RunningSandbox]]:
    """Private sandboxes (own limits / clock / restarts); all stopped after the test."""
    started: list[RunningSandbox] = []

    def start(*args: str, state_dir: Path | None = None) -> RunningSandbox:
        sandbox = launch_sandbox("xero", state_dir or tmp_path / "xero", args=args)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()
