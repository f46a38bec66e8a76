"""XeroClient with the real xero-python against the sandbox Xero over HTTPS.

What a sync relies on: changed-since reads page to the end; a batch reports every element
(the bad one with Xero's ValidationErrors); a write whose answer was lost is not
duplicated; 429s are waited out, a day-limit 429 stops the run; an expired access token
is renewed through the vault; the per-minute limit is never hit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from xero_python.accounting.models import Contact, Invoice

from concord.errors import RateLimitExhausted
from concord.ledger import Ledger, TokenSet
from resources.xero import XeroClient, XeroResource
from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo, launch_sandbox
from tests.sandbox.xero_fixtures import FAST_LIMITS, line, sales_invoice

KEY = Fernet.generate_key().decode()


def make_client(info: SandboxInfo, ledger_path: Path, **overrides: object) -> XeroClient:
    """A client whose ledger holds the tenant's token; reuses the ledger when it exists."""
    creds = info.credentials
    ledger = Ledger.open(f"sqlite:///{ledger_path}", token_key=KEY)
    settings: dict[str, object] = {
        "base_url": info.base_url, "token_url": info.token_url,
        "connections_url": info.extra["connections_url"],
        "client_id": creds["client_id"], "client_secret": creds["client_secret"],
        "tenant_id": creds["tenant_id"], "ledger": ledger, "ca_bundle": info.ca_bundle,
        "minute_limit": 100_000}
    settings.update(overrides)
    client = XeroClient(**settings)  # type: ignore[arg-type]
    if ledger.get_token("xero", creds["tenant_id"]) is None:
        client.vault.store(TokenSet(
            access_token=creds["access_token"], refresh_token=creds["refresh_token"],
            expires_at=datetime.now(UTC) + timedelta(minutes=25)))
    return client


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    running = launch_sandbox("xero", tmp_path_factory.mktemp("xero-client"), args=FAST_LIMITS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xero-ledger") / "ledger.sqlite3"


@pytest.fixture
def control(sandbox: RunningSandbox) -> Iterator[SandboxControl]:
    plane = SandboxControl(sandbox.info)
    plane.clear_faults()
    plane.reset_calls()
    yield plane
    plane.clear_faults()


@pytest.fixture
def client(sandbox: RunningSandbox, ledger_path: Path, control: SandboxControl) -> XeroClient:
    return make_client(sandbox.info, ledger_path)


def invoice(number: str, contact: str, *, account: str = "200") -> Invoice:
    today = date.today()
    return sales_invoice(contact, [line("2", "10.00", account=account)],
                         invoice_number=number, status="AUTHORISED", date=today,
                         due_date=today + timedelta(days=14))


def day_remaining(control: SandboxControl, tenant_id: str) -> int:
    return int(control.limits()["tenants"][tenant_id]["X-DayLimit-Remaining"])


def by_kind(control: SandboxControl) -> dict[str, int]:
    return control.calls()["by_kind"]


def test_changed_since_pages_to_the_end_and_honours_if_modified_since(
        sandbox: RunningSandbox, ledger_path: Path, control: SandboxControl, tag: str) -> None:
    client = make_client(sandbox.info, ledger_path, page_size=5)
    first = [invoice(f"{tag}-A{i}", f"{tag} Old") for i in range(6)]
    second = [invoice(f"{tag}-B{i}", f"{tag} New") for i in range(7)]
    before = datetime.now(UTC) - timedelta(seconds=1)
    list(client.upsert_invoices(first))
    time.sleep(1.1)  # If-Modified-Since has whole-second resolution
    middle = datetime.now(UTC)
    time.sleep(1.1)
    list(client.upsert_invoices(second))
    client.calls.reset()

    everything = list(client.invoices_changed_since(before))
    recent = list(client.invoices_changed_since(middle))

    numbers = [inv.invoice_number for inv in everything]
    assert set(numbers) >= {inv.invoice_number for inv in first + second}
    assert all(inv.line_items for inv in everything)  # paged reads carry line items
    assert {inv.invoice_number for inv in recent} == {inv.invoice_number for inv in second}
    # 5 per page until a short page: ceil((n + 1) / 5) pages for each read
    expected = (len(everything) // 5 + 1) + (len(recent) // 5 + 1)
    assert client.calls.as_dict()["read"] == expected


def test_batch_of_fifty_reports_the_bad_invoice_and_creates_the_rest(
        client: XeroClient, control: SandboxControl, tag: str) -> None:
    batch = [invoice(f"{tag}-{i:02d}", f"{tag} Batch") for i in range(50)]
    batch[17] = invoice(f"{tag}-17", f"{tag} Batch", account="999999")

    (results,) = list(client.upsert_invoices(batch))

    assert len(results) == 50
    assert [r.key for r in results] == [inv.invoice_number for inv in batch]
    failed = [r for r in results if not r.success]
    assert [r.key for r in failed] == [f"{tag}-17"]
    assert failed[0].errors and failed[0].invoice_id is None
    assert all(r.invoice_id for r in results if r.success)
    stored = client.invoices_by_number([inv.invoice_number for inv in batch])
    assert len(stored) == 49
    assert by_kind(control)["invoices"] == 1 + 1  # one POST, one read-back


def test_contacts_upsert_and_changed_since(client: XeroClient, control: SandboxControl,
                                           tag: str) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    contacts = [Contact(name=f"{tag} Contact {i}", contact_number=f"{tag}-C{i}")
                for i in range(3)]

    (results,) = list(client.upsert_contacts(contacts))
    seen = {c.contact_number for c in client.contacts_changed_since(since)}

    assert all(r.success and r.contact_id for r in results)
    assert {r.key for r in results} <= seen


def test_write_whose_answer_was_lost_is_resent_without_a_duplicate(
        client: XeroClient, control: SandboxControl, tag: str) -> None:
    batch = [invoice(f"{tag}-{i}", f"{tag} Lost") for i in range(3)]
    control.fault(method="POST", path="/Invoices$", action="reset_after_commit")

    (results,) = list(client.upsert_invoices(batch))

    assert all(r.success for r in results)
    stored = client.invoices_by_number([inv.invoice_number for inv in batch])
    assert sorted(inv.invoice_number for inv in stored) == sorted(r.key for r in results)
    assert {str(inv.invoice_id) for inv in stored} == {r.invoice_id for r in results}
    assert client.calls.retries == 1  # resent once with the same Idempotency-Key


def test_minute_429_is_waited_out(client: XeroClient, control: SandboxControl) -> None:
    control.fault(method="GET", path="/Invoices$", action="status", status=429, retry_after=1)
    started = time.monotonic()

    list(client.invoices_changed_since(datetime.now(UTC)))

    assert time.monotonic() - started >= 1.0
    assert client.calls.as_dict()["read"] == 2
    assert client.calls.retries == 1


def test_day_429_stops_the_run(client: XeroClient, control: SandboxControl) -> None:
    control.fault(method="GET", path="/Invoices$", action="status", status=429, retry_after=3600,
                  body={"rate_limit_problem": "day"})

    with pytest.raises(RateLimitExhausted) as raised:
        list(client.invoices_changed_since(None))

    assert raised.value.vendor_code == "day"
    assert client.calls.as_dict()["read"] == 1


def test_expired_access_token_is_renewed_through_the_vault(
        client: XeroClient, control: SandboxControl) -> None:
    client.vault.access_token()
    control.expire_tokens()

    list(client.invoices_changed_since(datetime.now(UTC)))

    assert by_kind(control)["token"] == 1
    assert client.vault.refreshes == 1
    assert client.calls.as_dict()["auth"] == 1


def test_scaled_minute_limit_is_never_hit(tmp_path: Path, tag: str) -> None:
    """The sandbox's real limits, a minute lasting a second: 130 POSTs, five at a time,
    cross three windows without one 429 for the minute or for concurrency (refused calls
    are not charged to the day)."""
    scale = 60.0
    sandbox = launch_sandbox("xero", tmp_path / "scaled", args=("--scale-time", str(scale)))
    try:
        control = SandboxControl(sandbox.info)
        client = make_client(sandbox.info, tmp_path / "ledger.sqlite3", minute_limit=60,
                             time_scale=scale, batch_size=1)
        day_before = day_remaining(control, client.tenant_id)
        control.reset_calls()
        started = time.monotonic()
        results = [r for batch in client.upsert_invoices(
                       [invoice(f"{tag}-{i}", f"{tag} Rate") for i in range(130)])
                   for r in batch]
        elapsed = time.monotonic() - started

        assert [r.key for r in results] == [f"{tag}-{i}" for i in range(130)]  # input order
        assert all(r.success for r in results)
        calls = control.calls()["by_kind"]
        assert calls["invoices"] == 130  # every POST reached the server once: no 429 resend
        assert client.calls.retries == 0
        assert client.budget.peak_in_flight == 5  # Xero's concurrency limit, used in full
        # refused calls are not charged: all 130 counted against the day means none refused
        assert day_before - day_remaining(control, client.tenant_id) == 130
        assert elapsed >= 2 * 60 / scale  # 130 calls at 60 a window need > 2 windows
    finally:
        sandbox.stop()


def test_resource_builds_a_working_client(sandbox: RunningSandbox, ledger_path: Path,
                                          control: SandboxControl,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_TOKEN_KEY", KEY)
    make_client(sandbox.info, ledger_path)  # the ledger holds the tenant's token
    creds = sandbox.info.credentials
    resource = XeroResource(
        base_url=sandbox.info.base_url, token_url=sandbox.info.token_url,
        connections_url=sandbox.info.extra["connections_url"], client_id=creds["client_id"],
        client_secret=creds["client_secret"], tenant_id=creds["tenant_id"],
        ledger_url=f"sqlite:///{ledger_path}", ca_bundle=sandbox.info.ca_bundle,
        minute_limit=100_000)

    client = resource.get_client()

    assert list(client.invoices_changed_since(datetime.now(UTC) + timedelta(hours=1))) == []
    assert creds["client_secret"] not in repr(resource.get_client())


def test_every_response_the_connector_receives_matches_xeros_spec(
        client: XeroClient, tag: str) -> None:
    """Each accounting operation XeroClient uses, as its own calls received it (captured at
    the transport), validates against Xero's OpenAPI description; the token endpoint is not
    in it (the identity spec describes /Connections only)."""
    from urllib.parse import urlsplit

    from tests.sandbox.test_xero_schema import check

    seen: list[tuple[str, str, int, Any]] = []

    def capture(response: Any, *args: Any, **kwargs: Any) -> None:
        path = urlsplit(response.url).path
        if "/api.xro/2.0/" in path:
            seen.append((response.request.method, path.split("/api.xro/2.0", 1)[1],
                         response.status_code, response.json(parse_float=Decimal)))

    client.transport.hooks["response"].append(capture)
    results = [r for batch in client.upsert_invoices(
        [invoice(f"{tag}-ok", f"{tag} Spec"), invoice(f"{tag}-bad", f"{tag} Spec", account="999")])
        for r in batch]
    assert [r.success for r in results] == [True, False]
    contacts = [r for batch in client.upsert_contacts([Contact(name=f"{tag} Spec Two")])
                for r in batch]
    assert contacts[0].success
    assert client.invoices_by_number([f"{tag}-ok"])
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert list(client.invoices_changed_since(since))
    assert list(client.contacts_changed_since(since))

    operations = {(method, path) for method, path, _, _ in seen}
    assert operations == {("POST", "/Invoices"), ("POST", "/Contacts"), ("GET", "/Invoices"),
                          ("GET", "/Contacts")}
    for method, path, status, body in seen:
        check(path, method.lower(), body, status=str(status))
