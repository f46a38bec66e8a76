"""Reading Salesforce through the client: paging, incremental windows, lookups."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

import pytest

from concord.errors import FatalError
from resources.salesforce import SalesforceClient
from sandbox.harness import SandboxInfo

if TYPE_CHECKING:
    from .conftest import SandboxControl

PAGING_ROWS = 4_500  # three pages of 2,000


@pytest.fixture(scope="module")
def paged_accounts(sf_sandbox: SandboxInfo) -> Iterator[str]:
    """4,500 Accounts named PAGE-<tag>-n, loaded once through Bulk 2.0."""
    import uuid

    prefix = f"PAGE-{uuid.uuid4().hex[:6]}"
    creds = sf_sandbox.credentials
    loader = SalesforceClient(
        instance_url=sf_sandbox.base_url, token_url=sf_sandbox.token_url,
        client_id=creds["client_id"], client_secret=creds["client_secret"],
        ca_bundle=sf_sandbox.ca_bundle, bulk_threshold=100, bulk_poll_seconds=0.05,
    )
    rows = [{"Concord_Id__c": f"{prefix}-{n:05d}", "Name": f"{prefix} {n}"}
            for n in range(PAGING_ROWS)]
    results = [r for batch in loader.upsert("Account", "Concord_Id__c", rows) for r in batch]
    assert all(r.success for r in results)
    yield prefix


def test_query_follows_every_page_with_one_call_per_page(
    client: SalesforceClient, paged_accounts: str, clean_sandbox: SandboxControl
):
    rows = list(client.query(
        f"SELECT Id, Name, Concord_Id__c FROM Account WHERE Name LIKE '{paged_accounts}%'"))
    assert len(rows) == PAGING_ROWS
    assert len({r["Id"] for r in rows}) == PAGING_ROWS
    assert all("attributes" not in r for r in rows)
    pages = math.ceil(PAGING_ROWS / 2000)
    endpoints = client.calls.by_endpoint()
    assert endpoints.get("query", 0) + endpoints.get("query:more", 0) == pages
    assert client.calls.as_dict()["read"] == pages
    server = clean_sandbox.calls()["by_kind"]
    assert server.get("query") == pages


def test_query_is_lazy(client: SalesforceClient, paged_accounts: str):
    first = list(islice(client.query(
        f"SELECT Id FROM Account WHERE Name LIKE '{paged_accounts}%'"), 10))
    assert len(first) == 10
    assert client.calls.as_dict()["read"] == 1


def test_find_by_chunks_long_in_lists_and_escapes_values(
    client: SalesforceClient, paged_accounts: str
):
    wanted = [f"{paged_accounts}-{n:05d}" for n in range(0, PAGING_ROWS, 10)]
    found = list(client.find_by("Account", ["Id", "Concord_Id__c"], "Concord_Id__c",
                                [*wanted, "O'Neil \\ not there"]))
    assert sorted(r["Concord_Id__c"] for r in found) == sorted(wanted)
    assert client.calls.as_dict()["read"] > 1  # the IN list was split


def test_changed_since_sees_deletions_through_query_all(client: SalesforceClient, tag: str):
    before = datetime.now(UTC) - timedelta(seconds=2)
    rows = [{"Concord_Id__c": f"CS-{tag}-{n}", "Name": f"Changed {tag} {n}"} for n in range(3)]
    results = [r for batch in client.upsert("Account", "Concord_Id__c", rows) for r in batch]
    gone = results[0].record_id
    assert gone is not None
    [deleted] = next(client.delete([gone]))
    assert deleted.success
    until = datetime.now(UTC) + timedelta(minutes=5)

    def window(include_deleted: bool) -> dict[str, dict]:
        seen = client.changed_since("Account", ["Name", "Concord_Id__c"], since=before,
                                    until=until, include_deleted=include_deleted)
        return {r["Concord_Id__c"]: r for r in seen if str(r["Concord_Id__c"]).startswith(
            f"CS-{tag}")}

    with_deleted = window(True)
    assert set(with_deleted) == {f"CS-{tag}-{n}" for n in range(3)}
    assert with_deleted[f"CS-{tag}-0"]["IsDeleted"] is True
    assert with_deleted[f"CS-{tag}-1"]["IsDeleted"] is False
    assert set(window(False)) == {f"CS-{tag}-1", f"CS-{tag}-2"}
    stamps = [r["SystemModstamp"] for r in with_deleted.values()]
    assert stamps == sorted(stamps)

    empty = client.changed_since("Account", ["Name"], since=until, until=until
                                 + timedelta(minutes=1))
    assert list(empty) == []


def test_a_bulk_read_gives_what_rest_gives_in_a_query_job_that_writes_nothing(
    client: SalesforceClient, make_client, paged_accounts: str, tag: str
):
    """Reconcile reads a load back through one Bulk API query job: the same records and
    values as the REST pages (text, empty as None), counted as reads, not writes."""
    rows = [{"Concord_Id__c": f"BQ-{tag}-{n}", "Name": f"Bulk read {tag} {n}",
             "BillingCity": "Köln" if n else None} for n in range(3)]
    before = datetime.now(UTC) - timedelta(seconds=2)
    results = [r for batch in client.upsert("Account", "Concord_Id__c", rows) for r in batch]
    [deleted] = next(client.delete([results[2].record_id or ""]))
    assert deleted.success
    until = datetime.now(UTC) + timedelta(minutes=5)
    fields = ["Name", "Concord_Id__c", "BillingCity"]

    def window(bulk: bool, include_deleted: bool) -> tuple[dict[str, dict], dict[str, int]]:
        reader = make_client()
        seen = reader.changed_since("Account", fields, since=before, until=until,
                                    include_deleted=include_deleted, bulk=bulk)
        mine = {r["Concord_Id__c"]: {f: r[f] for f in ("Id", *fields)} for r in seen
                if str(r["Concord_Id__c"]).startswith(f"BQ-{tag}")}
        return mine, reader.calls.as_dict()

    by_rest, _ = window(bulk=False, include_deleted=False)
    by_bulk, calls = window(bulk=True, include_deleted=False)
    assert by_bulk == by_rest
    assert set(by_bulk) == {f"BQ-{tag}-0", f"BQ-{tag}-1"}
    assert by_bulk[f"BQ-{tag}-0"]["BillingCity"] is None
    assert by_bulk[f"BQ-{tag}-1"]["BillingCity"] == "Köln"
    assert calls["write"] == calls["bulk_jobs"] == 0 and calls["read"] >= 3
    with_deleted, _ = window(bulk=True, include_deleted=True)
    assert set(with_deleted) == {f"BQ-{tag}-{n}" for n in range(3)}

    everything = f"SELECT Id FROM Account WHERE Name LIKE '{paged_accounts}%'"
    assert len({r["Id"] for r in client.bulk_query("Account", everything)}) == PAGING_ROWS


def test_changed_since_leaves_out_our_own_writes_but_our_updates_since_the_last_read(
    client: SalesforceClient, make_client, sf_sandbox: SandboxInfo, tag: str
):
    """After a load, the next read must not fetch back everything Concord just wrote;
    but a record Concord updated since its last read (someone may have edited it between
    that read and our write) and one someone else edited are still read."""
    creds = sf_sandbox.credentials
    person = make_client(username=creds["username"], password=creds["password"])
    before = datetime.now(UTC) - timedelta(seconds=2)

    def upsert(who: SalesforceClient, name: str, **values: str) -> str:
        [[result]] = who.upsert("Account", "Concord_Id__c",
                                [{"Concord_Id__c": f"OWN-{tag}-{name}", "Name": name, **values}])
        assert result.success and result.record_id
        return result.record_id

    upsert(client, "ours-earlier")
    upsert(client, "ours-seen")  # the last read saw it
    time.sleep(1.2)  # SOQL compares whole seconds: what shares last_read's second is read again
    last_read = datetime.now(UTC)
    time.sleep(1.2)
    upsert(client, "ours-untouched")
    upsert(client, "ours-then-theirs")
    upsert(person, "ours-then-theirs", Phone="+49 30 1234567")
    upsert(client, "ours-earlier", Website="https://example.test")  # our update

    def window(**kwargs) -> set[str]:
        rows = client.changed_since("Account", ["Concord_Id__c"], since=before,
                                    until=datetime.now(UTC) + timedelta(minutes=1), **kwargs)
        return {r["Concord_Id__c"].removeprefix(f"OWN-{tag}-") for r in rows
                if str(r["Concord_Id__c"]).startswith(f"OWN-{tag}-")}

    assert window() == {"ours-earlier", "ours-seen", "ours-untouched", "ours-then-theirs"}
    assert window(last_read=last_read) == {"ours-earlier", "ours-then-theirs"}


def test_users_and_describe(client: SalesforceClient):
    users = client.users()
    assert len(users) >= 12 and sum(not active for active in users.values()) >= 2
    fields = {f["name"] for f in client.describe("Account")["fields"]}
    assert {"Name", "Concord_Id__c"} <= fields
    assert "DailyApiRequests" in client.limits()


def test_a_bad_query_is_a_fatal_error_with_the_vendor_code(client: SalesforceClient):
    with pytest.raises(FatalError) as err:
        list(client.query("SELECT NoSuchField__c FROM Account"))
    assert err.value.system == "salesforce" and err.value.vendor_code == "INVALID_FIELD"


