"""Writing to Salesforce: collections with per-record errors, Bulk 2.0 above the threshold."""

from __future__ import annotations

from collections.abc import Callable

from resources.salesforce import SalesforceClient, WriteResult


def _flat(batches) -> list[WriteResult]:
    return [r for batch in batches for r in batch]


def _count_by_key(client: SalesforceClient, keys: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(keys, 0)
    for row in client.find_by("Account", ["Id", "Concord_Id__c"], "Concord_Id__c", keys):
        counts[row["Concord_Id__c"]] += 1
    return counts


def test_collections_upsert_writes_good_records_and_reports_bad_ones(
    client: SalesforceClient, tag: str
):
    records = [
        {"Concord_Id__c": f"MIX-{tag}-1", "Name": "Good One"},
        {"Concord_Id__c": f"MIX-{tag}-2", "Name": None},
        {"Concord_Id__c": f"MIX-{tag}-3", "Name": "Good Two", "Customer_Status__c": "Customer"},
        {"Concord_Id__c": f"MIX-{tag}-4", "Name": "Bad status", "Customer_Status__c": "Friend"},
        {"Name": "no key"},
    ]
    results = {r.key: r for r in _flat(client.upsert("Account", "Concord_Id__c", records))}
    good = results[f"MIX-{tag}-1"]
    assert good.success and good.created is True and good.record_id and not good.errors
    assert results[f"MIX-{tag}-3"].success
    missing = results[f"MIX-{tag}-2"]
    assert not missing.success and missing.errors[0].status_code == "REQUIRED_FIELD_MISSING"
    assert "Name" in missing.errors[0].fields
    picklist = results[f"MIX-{tag}-4"]
    assert picklist.errors[0].status_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert results[""].errors[0].status_code == "MISSING_EXTERNAL_ID"
    assert client.calls.as_dict()["write"] == 1

    stored = _count_by_key(client, [f"MIX-{tag}-{n}" for n in range(1, 5)])
    assert stored == {f"MIX-{tag}-1": 1, f"MIX-{tag}-2": 0, f"MIX-{tag}-3": 1, f"MIX-{tag}-4": 0}

    again = _flat(client.upsert("Account", "Concord_Id__c", records[:1]))
    assert again[0].success and again[0].created is False
    assert again[0].record_id == good.record_id


def test_collections_are_cut_at_200_records(client: SalesforceClient, tag: str):
    records = [{"Concord_Id__c": f"CUT-{tag}-{n}", "Name": f"Cut {n}"} for n in range(450)]
    batches = list(client.upsert("Account", "Concord_Id__c", records))
    assert [len(b) for b in batches] == [200, 200, 50]
    assert client.calls.by_endpoint()["collections:upsert"] == 3
    assert [r.key for r in _flat(batches)] == [r["Concord_Id__c"] for r in records]


def test_update_and_delete_by_id(client: SalesforceClient, tag: str):
    [created] = _flat(client.upsert("Account", "Concord_Id__c",
                                    [{"Concord_Id__c": f"UPD-{tag}", "Name": "Before"}]))
    assert created.record_id
    [updated] = _flat(client.update("Account", [{"Id": created.record_id, "Name": "After"}]))
    assert updated.success and updated.key == created.record_id
    [row] = client.find_by("Account", ["Name"], "Concord_Id__c", [f"UPD-{tag}"])
    assert row["Name"] == "After"
    [gone] = _flat(client.delete([created.record_id]))
    assert gone.success
    [again] = _flat(client.delete([created.record_id]))
    assert again.success  # already deleted is the state asked for


def test_bulk_upsert_of_10000_rows_reports_failed_rows(
    make_client: Callable[..., SalesforceClient], tag: str
):
    client = make_client(bulk_threshold=5_000)
    rows = [{"Concord_Id__c": f"BULK-{tag}-{n:05d}",
             "Name": None if n % 1000 == 7 else f"Bulk {n}"} for n in range(10_000)]
    results = _flat(client.upsert("Account", "Concord_Id__c", rows))
    assert [r.key for r in results] == [r["Concord_Id__c"] for r in rows]
    failed = [r for r in results if not r.success]
    assert [r.key for r in failed] == [f"BULK-{tag}-{n:05d}" for n in range(7, 10_000, 1000)]
    assert all(r.errors[0].status_code == "REQUIRED_FIELD_MISSING" for r in failed)
    assert all(r.created is True and r.record_id for r in results if r.success)
    calls = client.calls.as_dict()
    assert calls["write"] == 0
    assert calls["bulk_jobs"] == 3  # the job's writes: create, upload, close
    assert 4 <= calls["read"] <= 9  # polls until it is done, then three result files
    assert client.calls.by_endpoint()["bulk:ingest:create"] == 1


def test_a_bulk_upload_of_german_names_goes_out_as_one_job(
    make_client: Callable[..., SalesforceClient], tag: str
):
    """'ü' is one character and two UTF-8 bytes: the upload is one job however many of
    them there are (simple-salesforce measured a string by its characters and cut off
    the tail of a load as a second job)."""
    rows = [{"Concord_Id__c": f"DE-{tag}-{n:05d}", "Name": f"Müller Süßwaren Bäckerei Öl {n}"}
            for n in range(2_000)]
    client = make_client(bulk_threshold=1_000)
    results = _flat(client.upsert("Account", "Concord_Id__c", rows))
    assert len(results) == 2_000 and all(r.success for r in results)
    assert client.calls.by_endpoint()["bulk:ingest:create"] == 1
    [stored] = client.find_by("Account", ["Name"], "Concord_Id__c", [f"DE-{tag}-01999"])
    assert stored["Name"] == "Müller Süßwaren Bäckerei Öl 1999"
