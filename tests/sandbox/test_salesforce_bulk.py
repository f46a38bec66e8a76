"""Bulk API 2.0 through simple-salesforce's bulk2: a 10,000-row upsert and query jobs."""

from __future__ import annotations

import csv
import io
import time

from simple_salesforce import Salesforce


def test_bulk_upsert_of_10000_rows_reports_failed_rows(sf: Salesforce, tag: str) -> None:
    rows = [{"Concord_Id__c": f"{tag}-{i:05d}", "Name": f"Bulk {i}",
             "Customer_Status__c": "Customer", "Trade_Register__c": tag} for i in range(10_000)]
    for i in range(0, 10_000, 1000):
        rows[i]["Name"] = ""  # blank Name on create: REQUIRED_FIELD_MISSING
    rows[5]["Customer_Status__c"] = "Friend"
    started = time.monotonic()
    result = sf.bulk2.Account.upsert(records=rows, external_id_field="Concord_Id__c", wait=0.1)
    elapsed = time.monotonic() - started
    assert result[0]["numberRecordsProcessed"] == 10_000
    assert result[0]["numberRecordsFailed"] == 11
    assert elapsed < 8, f"bulk upsert took {elapsed:.1f}s"

    job_id = result[0]["job_id"]
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_failed_records(job_id))))
    assert len(failed) == 11
    by_key = {r["Concord_Id__c"]: r for r in failed}
    assert by_key[f"{tag}-01000"]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --")
    assert by_key[f"{tag}-00005"]["sf__Error"].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_successful_records(job_id))))
    assert len(ok) == 9_989
    assert {r["sf__Created"] for r in ok} == {"true"}
    assert all(r["sf__Id"].startswith("001") for r in ok)

    again = sf.bulk2.Account.upsert(records=rows[1:3], external_id_field="Concord_Id__c",
                                    wait=0.1)
    second = list(csv.DictReader(io.StringIO(
        sf.bulk2.Account.get_successful_records(again[0]["job_id"]))))
    assert [r["sf__Created"] for r in second] == ["false", "false"]
    count = sf.query(f"SELECT COUNT() FROM Account WHERE Trade_Register__c = '{tag}'")
    assert count["totalSize"] == 9_989


def test_bulk_query_pages_with_locator(sf: Salesforce, tag: str, control: object) -> None:
    sf.bulk2.Account.insert(records=[{"Name": f"Q{i}", "Trade_Register__c": tag}
                                     for i in range(250)], wait=0.05)
    pages = list(sf.bulk2.Account.query(
        f"SELECT Id, Name, SystemModstamp FROM Account WHERE Trade_Register__c = '{tag}'",
        max_records=100, wait=0.05))
    assert len(pages) == 3
    rows = [r for page in pages for r in csv.DictReader(io.StringIO(page))]
    assert len({r["Id"] for r in rows}) == 250
    assert rows[0]["SystemModstamp"].endswith("Z")


def test_bulk_update_and_delete(sf: Salesforce, tag: str) -> None:
    ids = [sf.Account.create({"Name": f"U{i}", "Trade_Register__c": tag})["id"] for i in range(3)]
    updated = sf.bulk2.Account.update(records=[{"Id": i, "Industry": "Energy"} for i in ids],
                                      wait=0.05)
    assert updated[0]["numberRecordsFailed"] == 0
    deleted = sf.bulk2.Account.delete(records=[{"Id": ids[0]}], wait=0.05)
    assert deleted[0]["numberRecordsFailed"] == 0
    rows = sf.query_all(f"SELECT Industry, IsDeleted FROM Account "
                        f"WHERE Trade_Register__c = '{tag}'", include_deleted=True)["records"]
    assert sorted((r["Industry"], r["IsDeleted"]) for r in rows) == [
        ("Energy", False), ("Energy", False), ("Energy", True)]
