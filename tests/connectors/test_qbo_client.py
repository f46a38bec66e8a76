"""QboClient with the real intuit-oauth against the sandbox QBO over HTTPS.

What a sync relies on: one refresh for many workers, and a dead old refresh token after
rotation; 429s are waited out and the realm's limits are never exceeded; a batch reports
every item (the bad one with QBO's Fault); a batch whose answer was lost is not written
twice; a stale SyncToken is re-read and re-planned; CDC returns only what changed; money
arrives as Decimal.

The sandbox runs with `--scale-time 60` (a minute lasts a second), the clients with the
same `time_scale`, so throttle windows and token lifetimes pass in seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from concord.errors import RateLimitExhausted, ReauthoriseRequired
from concord.ledger import Ledger, TokenSet
from resources.qbo import QboClient, QboResource, RealmBudget
from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo, launch_sandbox
from tests.sandbox.qbo_fixtures import QboApi

KEY = Fernet.generate_key().decode()
SCALE = 60.0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    running = launch_sandbox("qbo", tmp_path_factory.mktemp("qbo-client"),
                             args=("--scale-time", str(SCALE)))
    yield running
    running.stop()


@pytest.fixture
def control(sandbox: RunningSandbox) -> Iterator[SandboxControl]:
    plane = SandboxControl(sandbox.info)
    plane.clear_faults()
    plane.reset_calls()
    yield plane
    plane.clear_faults()


def make_client(info: SandboxInfo, ledger_path: Path, *, store: bool = True,
                expired: bool = False, **overrides: Any) -> QboClient:
    """A client whose ledger holds a fresh grant for the sandbox's company."""
    creds = info.credentials
    ledger = Ledger.open(f"sqlite:///{ledger_path}", token_key=KEY)
    settings: dict[str, Any] = {
        "base_url": info.base_url, "discovery_url": creds["discovery_url"],
        "client_id": creds["client_id"], "client_secret": creds["client_secret"],
        "realm_id": creds["realm_id"], "ledger": ledger, "ca_bundle": info.ca_bundle,
        "redirect_uri": creds["redirect_uri"], "time_scale": SCALE}
    settings.update(overrides)
    client = QboClient(**settings)
    if store and ledger.get_token("qbo", creds["realm_id"]) is None:
        grant = SandboxControl(info).post("connect", {"realm_id": creds["realm_id"]})
        lifetime = timedelta(seconds=0 if expired else 3600 / SCALE)
        client.vault.store(TokenSet(access_token=grant["access_token"],
                                    refresh_token=grant["refresh_token"],
                                    expires_at=datetime.now(UTC) + lifetime))
    return client


@pytest.fixture
def client(sandbox: RunningSandbox, tmp_path: Path, control: SandboxControl) -> QboClient:
    return make_client(sandbox.info, tmp_path / "ledger.sqlite3")


def by_kind(control: SandboxControl) -> dict[str, int]:
    return dict(control.calls()["by_kind"])


def customer(client: QboClient, name: str) -> str:
    ((result,),) = list(client.upsert_customers([{"DisplayName": name}]))
    assert result.success, result.message
    return str(result.qbo_id)


def invoice(customer_id: str, number: str | None, *, item: str = "1",
            qty: str = "2", price: str = "10.00") -> dict[str, Any]:
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "Line": [{"DetailType": "SalesItemLineDetail",
                  "Amount": Decimal(qty) * Decimal(price),
                  "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": Decimal(qty),
                                          "UnitPrice": Decimal(price),
                                          "TaxCodeRef": {"value": "2"}}}]}
    if number is not None:
        body["DocNumber"] = number
    return body


# ----- tokens ------------------------------------------------------------------------------
def test_two_concurrent_refreshers_make_one_refresh_call_and_both_proceed(
        sandbox: RunningSandbox, tmp_path: Path, control: SandboxControl) -> None:
    ledger = tmp_path / "shared.sqlite3"
    first = make_client(sandbox.info, ledger, expired=True)
    second = make_client(sandbox.info, ledger)  # the same ledger row: another worker
    start = threading.Barrier(2)
    counts: dict[str, int] = {}
    failures: list[BaseException] = []

    def work(name: str, client: QboClient) -> None:
        try:
            start.wait()
            counts[name] = client.count("Account")
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n, c))
               for n, c in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not failures
    assert counts["first"] == counts["second"] > 0
    assert by_kind(control)["token"] == 1
    assert first.vault.refreshes + second.vault.refreshes == 1
    # the refresh went through the Transport: counted as an auth call by the client that made it
    assert first.calls.as_dict()["auth"] + second.calls.as_dict()["auth"] >= 2  # discovery+token


def test_old_refresh_token_is_rejected_after_rotation(
        sandbox: RunningSandbox, tmp_path: Path, control: SandboxControl) -> None:
    client = make_client(sandbox.info, tmp_path / "ledger.sqlite3", expired=True)
    original = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}", token_key=KEY).get_token(
        "qbo", client.realm_id)
    assert original is not None
    client.count("Account")  # refresh: R0 -> R1
    control.expire_tokens()
    client.count("Account")  # 401, renewed with R1 -> R2: R1 used, so R0 is dead
    assert client.vault.refreshes == 2

    stale = make_client(sandbox.info, tmp_path / "stale.sqlite3", store=False)
    stale.vault.store(TokenSet(access_token="gone", refresh_token=original.refresh_token,
                               expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(ReauthoriseRequired) as refused:
        stale.count("Account")

    text = str(refused.value)
    assert f"re-authorise qbo tenant {client.realm_id}" in text
    assert "concord auth qbo" in text
    assert original.refresh_token not in text
    assert refused.value.vendor_code == "invalid_grant"


def test_expired_access_token_is_renewed_through_the_vault(
        client: QboClient, control: SandboxControl) -> None:
    client.vault.access_token()
    control.expire_tokens()

    assert client.count("Account") > 0

    assert by_kind(control)["token"] == 1
    assert client.vault.refreshes == 1


# ----- throttling --------------------------------------------------------------------------
def test_429_is_honoured_by_waiting_a_window(client: QboClient,
                                             control: SandboxControl) -> None:
    control.fault(method="POST", path="/query$", action="status", status=429)
    started = time.monotonic()

    assert client.count("Account") > 0

    # QBO sends no Retry-After; its docs say wait out the minute (here 60/60 s)
    assert time.monotonic() - started >= 60 / SCALE
    assert client.calls.as_dict()["query"] == 2
    assert client.calls.retries == 1


def test_realm_limits_are_never_exceeded(sandbox: RunningSandbox, tmp_path: Path,
                                         control: SandboxControl, tag: str) -> None:
    """The sandbox's limits lowered to 30 calls and 5 batches a (one-second) minute: 12
    batches and 40 queries cross several windows without one 429."""
    control.post("clock/advance", {"seconds": 61})
    control.limits(per_minute=30, batch_per_minute=5, reset=True)
    try:
        budget = RealmBudget(per_window=30, batch_per_window=5, window_seconds=60 / SCALE)
        client = make_client(sandbox.info, tmp_path / "ledger.sqlite3", budget=budget)
        client.vault.access_token()
        cust = customer(client, f"Limits {tag}")
        control.reset_calls()
        started = time.monotonic()
        results = [r for i in range(12)
                   for batch in client.upsert_invoices([invoice(cust, f"{tag}-{i}")])
                   for r in batch]
        counts = [client.count("Invoice", f"DocNumber = '{tag}-{i % 12}'") for i in range(40)]
        elapsed = time.monotonic() - started

        assert all(r.success for r in results) and counts == [1] * 40
        calls = by_kind(control)
        assert calls.get("throttled", 0) == 0
        assert calls["batch"] == 12 and client.calls.retries == 0
        assert elapsed >= 2 * 60 / SCALE  # 12 batches at 5 a window need > 2 windows
    finally:
        control.limits(per_minute=500, batch_per_minute=40, reset=True)


def test_quota_429_stops_after_the_batches_already_written(
        client: QboClient, control: SandboxControl, tag: str) -> None:
    cust = customer(client, f"Quota {tag}")
    batches = client.upsert_invoices([invoice(cust, f"{tag}-{i}") for i in range(31)])
    first = next(batches)
    control.fault(method="POST", path="/batch$", action="status", status=429,
                  retry_after=7200)

    with pytest.raises(RateLimitExhausted) as stopped:
        next(batches)

    assert all(r.success for r in first) and len(first) == 30  # the checkpoint
    assert stopped.value.vendor_code == "3001"
    assert client.count("Invoice", f"DocNumber = '{tag}-30'") == 0


# ----- batches -----------------------------------------------------------------------------
def test_batch_with_one_invalid_invoice_creates_the_others_and_reports_it(
        client: QboClient, control: SandboxControl, tag: str) -> None:
    cust = customer(client, f"Batch {tag}")
    invoices = [invoice(cust, f"{tag}-{i:02d}") for i in range(31)]
    invoices[17] = invoice(cust, f"{tag}-17", item="999999")
    control.reset_calls()

    results = [r for batch in client.upsert_invoices(invoices) for r in batch]

    assert [r.key for r in results] == [i["DocNumber"] for i in invoices]
    failed = [r for r in results if not r.success]
    assert [r.key for r in failed] == [f"{tag}-17"]
    assert failed[0].codes == ("610",) and "Object Not Found" in failed[0].message
    assert failed[0].qbo_id is None
    assert all(r.qbo_id and r.sync_token == "0" for r in results if r.success)
    # QBO computed the totals: 2 x 10.00 + 20 % tax, as Decimal
    assert {r.total_amt for r in results if r.success} == {Decimal("24.00")}
    assert by_kind(control)["batch"] == 2  # ceil(31 / 30)
    assert client.count("Invoice", f"DocNumber like '{tag}-%'") == 30
    rows = client.find("Invoice", "DocNumber", [f"{tag}-00"])
    assert isinstance(rows[0]["TotalAmt"], Decimal)


def test_batch_whose_answer_was_lost_is_read_back_not_written_twice(
        client: QboClient, control: SandboxControl, tag: str) -> None:
    cust = customer(client, f"Lost {tag}")
    invoices = [invoice(cust, f"{tag}-{i}") for i in range(5)]
    control.reset_calls()
    control.fault(method="POST", path="/batch$", action="reset_after_commit")

    (results,) = list(client.upsert_invoices(invoices))

    assert all(r.success and r.recovered == "read_back" for r in results)
    assert client.count("Invoice", f"DocNumber like '{tag}-%'") == 5
    assert len({r.qbo_id for r in results}) == 5
    calls = by_kind(control)
    assert calls["batch"] == 1  # found by DocNumber: nothing sent again


def test_lost_answer_without_a_reference_is_resent_and_replayed(
        client: QboClient, control: SandboxControl, tag: str) -> None:
    """No DocNumber to read back by: the same chunk goes again with the same requestid and
    QBO answers with the first result instead of writing."""
    cust = customer(client, f"Replay {tag}")
    client.calls.reset()
    control.fault(method="POST", path="/batch$", action="reset_after_commit")

    (results,) = list(client.upsert_invoices([invoice(cust, None) for _ in range(3)]))

    assert all(r.success for r in results)
    assert client.count("Invoice", f"CustomerRef = '{cust}'") == 3
    assert client.calls.as_dict()["batch"] == 2 and client.calls.as_dict()["query"] == 1


def test_rerunning_the_same_upsert_creates_nothing_new(
        client: QboClient, control: SandboxControl, tag: str) -> None:
    cust = customer(client, f"Rerun {tag}")
    invoices = [invoice(cust, f"{tag}-{i}") for i in range(4)]

    (first,) = list(client.upsert_invoices(invoices))
    (again,) = list(client.upsert_invoices(invoices))

    assert [r.qbo_id for r in again] == [r.qbo_id for r in first]
    assert client.count("Invoice", f"DocNumber like '{tag}-%'") == 4


def test_stale_sync_token_is_reread_and_the_update_replanned(
        sandbox: RunningSandbox, client: QboClient, tag: str) -> None:
    cust = customer(client, f"Stale {tag}")
    ((created,),) = list(client.upsert_invoices([invoice(cust, f"{tag}-1")]))
    other = QboApi(sandbox.info, client.realm_id, client.vault.access_token())
    other.create("Invoice", {"Id": created.qbo_id, "SyncToken": "0", "sparse": True,
                             "CustomerMemo": {"value": "theirs"}})

    ((result,),) = list(client.upsert_invoices([
        {"Id": created.qbo_id, "SyncToken": "0", "sparse": True, "PrivateNote": "ours"}]))

    assert result.success and result.recovered == "replanned"
    assert result.sync_token == "2"
    assert result.entity is not None
    assert result.entity["PrivateNote"] == "ours"
    assert result.entity["CustomerMemo"] == {"value": "theirs"}  # their change kept

    def keep_theirs(sent: Any, fresh: Any) -> None:
        return None

    ((conflict,),) = list(client.upsert_invoices(
        [{"Id": created.qbo_id, "SyncToken": "0", "sparse": True, "PrivateNote": "x"}],
        replan=keep_theirs))
    assert not conflict.success and "5010" in conflict.codes


def test_sparse_update_by_itself_is_replanned_once(client: QboClient,
                                                   control: SandboxControl, tag: str) -> None:
    cust = customer(client, f"Single {tag}")
    first = client.sparse_update("Customer", cust, {"Notes": "one"}, sync_token="0")
    result = client.sparse_update("Customer", cust, {"Notes": "two"}, sync_token="0")

    assert first.success and first.sync_token == "1"
    assert result.success and result.recovered == "replanned" and result.sync_token == "2"
    assert client.get("Customer", cust)["Notes"] == "two"


def test_update_without_sync_token_looks_it_up(client: QboClient, tag: str) -> None:
    cust = customer(client, f"Lookup {tag}")
    client.sparse_update("Customer", cust, {"Notes": "bump"})

    ((result,),) = list(client.upsert_customers([{"Id": cust, "sparse": True,
                                                   "Notes": "again"}]))

    assert result.success and result.sync_token == "2" and result.recovered is None


# ----- incremental reads -------------------------------------------------------------------
def test_cdc_returns_only_what_changed(client: QboClient, control: SandboxControl,
                                       tag: str) -> None:
    cust = customer(client, f"Cdc {tag}")
    (made,) = list(client.upsert_invoices([invoice(cust, f"{tag}-{i}") for i in range(3)]))
    time.sleep(1.1)  # CDC and LastUpdatedTime have whole-second precision
    since = datetime.now(UTC)
    time.sleep(1.1)
    changed_id = made[1].qbo_id
    client.sparse_update("Invoice", str(changed_id), {"PrivateNote": "changed"},
                         sync_token="0")
    new_customer = customer(client, f"Cdc new {tag}")
    client.calls.reset()

    changes = list(client.changed_since(["Invoice", "Customer"], since))

    assert {(c.entity_type, c.qbo_id) for c in changes} == {
        ("Invoice", changed_id), ("Customer", new_customer)}
    assert all(c.last_updated and c.last_updated >= since.replace(microsecond=0)
               for c in changes)
    assert not any(c.deleted for c in changes)
    assert client.calls.as_dict()["cdc"] == 1


def test_cursor_older_than_cdc_reaches_uses_a_last_updated_query(
        client: QboClient, tag: str) -> None:
    cust = customer(client, f"Old {tag}")
    list(client.upsert_invoices([invoice(cust, f"{tag}-1")]))
    client.calls.reset()

    changes = list(client.changed_since(["Customer"], datetime.now(UTC) - timedelta(days=40)))

    assert cust in {c.qbo_id for c in changes}
    assert client.calls.as_dict()["cdc"] == 0 and client.calls.as_dict()["query"] >= 1


def test_query_pages_until_a_short_page(sandbox: RunningSandbox, tmp_path: Path,
                                        tag: str) -> None:
    client = make_client(sandbox.info, tmp_path / "ledger.sqlite3", page_size=4)
    cust = customer(client, f"Pages {tag}")
    list(client.upsert_invoices([invoice(cust, f"{tag}-{i}") for i in range(9)]))
    client.calls.reset()

    rows = list(client.query("Invoice", f"CustomerRef = '{cust}'"))

    assert sorted(r["DocNumber"] for r in rows) == sorted(f"{tag}-{i}" for i in range(9))
    assert client.calls.as_dict()["query"] == 3  # 4 + 4 + 1


# ----- wiring ------------------------------------------------------------------------------
def test_resource_builds_a_working_client(sandbox: RunningSandbox, tmp_path: Path,
                                          control: SandboxControl,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_TOKEN_KEY", KEY)
    make_client(sandbox.info, tmp_path / "ledger.sqlite3")  # the ledger holds the token
    creds = sandbox.info.credentials
    resource = QboResource(
        base_url=sandbox.info.base_url, discovery_url=creds["discovery_url"],
        client_id=creds["client_id"], client_secret=creds["client_secret"],
        realm_id=creds["realm_id"], ledger_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        ca_bundle=sandbox.info.ca_bundle, time_scale=SCALE)

    client = resource.get_client()

    assert client.count("TaxCode") > 0
    assert creds["client_secret"] not in repr(client)
    assert creds["client_secret"] not in repr(client.refresher)
