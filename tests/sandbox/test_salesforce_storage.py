"""How the sandbox org stores records and evaluates SOQL, held to the simpler forms they
replaced: records come back from a restart exactly as written (values, keys, key order),
minted ids are `sf_id`'s, and a compiled WHERE answers as the record-by-record evaluation it replaced."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from sandbox.common.clock import MonotonicClock
from sandbox.common.store import StateStore
from sandbox.reference import HOUSE_ACCOUNT_OWNER, sf_id
from sandbox.salesforce import schema, soql
from sandbox.salesforce.state import BLANK_RECORDS, OrgState, _format_id
from sandbox.salesforce.writes import WriteBatch


def _open(path: Path) -> OrgState:
    return OrgState(StateStore(path), MonotonicClock())


def _snapshot(state: OrgState) -> dict[str, list[tuple[str, list[tuple[str, object]]]]]:
    """Every record with its keys in order (order is part of what must survive)."""
    return {name: [(rid, list(rec.items())) for rid, rec in rows.items()]
            for name, rows in state.records.items()}


def test_minted_ids_are_sf_ids() -> None:
    rng = random.Random(7)
    numbers = [*range(0, 20_000), *(rng.randrange(62 ** 9) for _ in range(20_000)),
               *(62 ** k + d for k in range(1, 10) for d in (-1, 0, 1))]
    for prefix in ("001", "003", "01t", "750", "00D"):
        for n in numbers:
            assert _format_id(prefix, n) == sf_id(prefix, n), (prefix, n)


def test_records_come_back_from_a_restart_exactly_as_written(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    batch = WriteBatch(state, HOUSE_ACCOUNT_OWNER.id)
    account = batch.insert(schema.ACCOUNT, {
        "Name": "Müller & Söhne \"GmbH\"", "AnnualRevenue": "1234.5", "NumberOfEmployees": "12",
        "Customer_Status__c": "Customer", "Concord_Id__c": "acc-1", "Description": "a\nb\u2028",
        "BillingLatitude": 52.52})
    contact = batch.insert(schema.CONTACT, {"LastName": "Ünal", "AccountId": account,
                                            "DoNotCall": "true", "Birthdate": "1980-02-29"})
    doomed = batch.insert(schema.PRODUCT2, {"Name": "Widget", "IsActive": True})
    batch.commit()
    batch = WriteBatch(state, HOUSE_ACCOUNT_OWNER.id)
    batch.update(schema.CONTACT, contact, {"FirstName": "Ali", "Email": None})
    batch.delete(schema.PRODUCT2, doomed)
    batch.commit()
    # a record whose keys are not the standard ones is kept as a JSON object
    odd = {"Id": sf_id("01t", 9), "Name": "Odd", "IsDeleted": False,
           "SystemModstamp": "2024-01-01T00:00:00.000+0000"}
    state.records["Product2"][odd["Id"]] = odd
    state.persist("Product2", [odd["Id"]])
    before = _snapshot(state)
    stored = dict(state.store.execute("SELECT id, data FROM records").fetchall())
    state.store.close()

    assert isinstance(json.loads(stored[account]), list)
    assert json.loads(stored[odd["Id"]]) == odd
    state = _open(path)
    assert _snapshot(state) == before
    assert state.unique[("Account", "Concord_Id__c")] == {"acc-1": account}
    state.store.close()


def test_records_stored_as_objects_still_load(tmp_path: Path) -> None:
    """State dirs written before records were stored as arrays."""
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    record = {**BLANK_RECORDS["Account"], "Id": sf_id("001", 5000), "Name": "Old",
              "CreatedDate": "2024-01-01T00:00:00.000+0000", "SystemModstamp":
              "2024-01-01T00:00:00.000+0000"}
    state.store.execute("INSERT INTO records VALUES (?, ?, ?)",
                        (record["Id"], "Account", json.dumps(record)))
    state.store.close()
    state = _open(path)
    assert list(state.records["Account"][record["Id"]].items()) == list(record.items())
    state.store.close()


def test_stored_arrays_decode_by_their_own_layout_after_a_schema_change(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    names = ["Id", "IsDeleted", "Name", "Gone__c", "SystemModstamp"]  # an older Account
    layouts = state.store.get_json("record_layouts")
    state.store.put_json("record_layouts", {**layouts, "Account/old": names})
    values = [sf_id("001", 6000), False, "Then", "x", "2024-01-01T00:00:00.000+0000"]
    state.store.execute("INSERT INTO records VALUES (?, ?, ?)",
                        (values[0], "Account", json.dumps(["Account/old", *values])))
    state.store.close()
    state = _open(path)
    assert state.records["Account"][values[0]] == dict(zip(names, values, strict=True))
    state.store.close()


def test_a_stored_layout_this_state_dir_does_not_describe_is_named(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    state.store.execute("INSERT INTO records VALUES (?, ?, ?)",
                        (sf_id("001", 6001), "Account", json.dumps(["Account/gone", "x"])))
    state.store.close()
    with pytest.raises(RuntimeError, match="Account/gone"):
        _open(path)


def test_a_layout_tag_naming_other_fields_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    layouts = state.store.get_json("record_layouts")
    tag = next(t for t in layouts if t.startswith("Account/"))
    state.store.put_json("record_layouts", {**layouts, tag: ["Id", "Name"]})
    state.store.close()
    with pytest.raises(RuntimeError, match=tag):
        _open(path)

def _matches(node: Any, record: dict[str, Any], lookup: soql.RecordLookup) -> bool:
    """The record-by-record WHERE evaluation `soql.predicate` replaced, kept as its reference."""
    if node is None:
        return True
    if isinstance(node, soql.BoolOp):
        if node.op == "AND":
            return all(_matches(p, record, lookup) for p in node.parts)
        if node.op == "OR":
            return any(_matches(p, record, lookup) for p in node.parts)
        return not _matches(node.parts[0], record, lookup)
    ftype = node.path.leaf.type
    left = soql._comparable(ftype, soql.value_of(record, node.path, lookup))
    if node.op == "LIKE":
        return left is not None and bool(soql._like(node.value.value).match(str(left)))
    if node.op in ("IN", "NOTIN"):
        members = soql._in_set(node, ftype)
        if members is not None:
            hit = left is not None and left in members
        else:
            hit = any(soql._compare("=", left, lit, ftype) for lit in node.value)
        return hit if node.op == "IN" else not hit
    return soql._compare(node.op, left, node.value, ftype)


_WHERES = [
    "Name = 'Acme'", "Name != 'acme'", "Name <> null", "Name = null", "Name LIKE 'ac%'",
    "Name LIKE '%\\_x'", "NumberOfEmployees > 5", "NumberOfEmployees <= 0",
    "NumberOfEmployees = 5", "NumberOfEmployees IN (5, 10)", "NumberOfEmployees NOT IN (5)",
    "AnnualRevenue >= 1.5", "Industry IN ('Retail', null)", "Industry NOT IN ('retail')",
    "BillingCountry = 'GERMANY' AND NOT (Industry = 'Retail')",
    "(BillingCountry = 'France' OR Industry = null) AND NumberOfEmployees > 0",
    "CreatedDate > 2024-03-01T00:00:00Z", "CreatedDate = 2024-01-01T10:00:00.123Z",
    "CreatedDate = LAST_N_DAYS:30", "CreatedDate != TODAY", "SystemModstamp > 2024-01-01T11:00:00+01:00",
    "CreatedDate IN (2024-01-01T10:00:00.123Z)", "NumberOfEmployees > 2024-01-01",
    "Owner.Name = 'Admin'", "Owner.Name != 'Admin'", "OwnerId = '0055g0000000001'",
    "IsDeleted = false", "IsDeleted != TRUE", "Name IN ('acme', 'ACME CORP')",
    "SystemModstamp <= 2099-01-01T00:00:00Z AND (LastModifiedById != '0055g0000000001AAA' "
    "OR (CreatedDate <= 2099-01-01T00:00:00Z AND SystemModstamp > 2000-01-01T00:00:00Z))",
]


@pytest.mark.parametrize("where", _WHERES)
def test_a_compiled_where_answers_as_record_by_record_evaluation(where: str) -> None:
    rng = random.Random(where)
    owner = "0055g0000000001AAA"
    users = {owner: {"Id": owner, "Name": "Admin"}}
    accounts = {}
    for i in range(300):
        record = {**BLANK_RECORDS["Account"], "Id": sf_id("001", 7000 + i)}
        record.update(
            Name=rng.choice(["Acme", "acme corp", "Beta_x", None, "Ünïcode"]),
            NumberOfEmployees=rng.choice([None, 0, 5, 10]),
            AnnualRevenue=rng.choice([None, 1.5, 100.0]),
            Industry=rng.choice([None, "Retail", "Energy"]),
            BillingCountry=rng.choice([None, "Germany", "France"]),
            CreatedDate=rng.choice(["2024-01-01T10:00:00.123+0000", "2025-01-01T00:00:00.000+0000"]),
            SystemModstamp=rng.choice(["2024-01-01T10:00:00.123+0000",
                                       "2030-01-01T00:00:00.000+0000"]),
            LastModifiedById=rng.choice([owner, sf_id("005", 2)]),
            OwnerId=rng.choice([owner, sf_id("005", 2), None]), IsDeleted=rng.random() < 0.2)
        accounts[record["Id"]] = record

    def lookup(sobject: str, record_id: str) -> dict | None:
        return (users if sobject == "User" else accounts).get(record_id)

    query = soql.parse(f"SELECT Id FROM Account WHERE {where}")
    keep = soql.predicate(query.where, lookup)
    for record in accounts.values():
        assert keep(record) is _matches(query.where, record, lookup), record


def test_bulk_jobs_come_back_from_a_restart_with_their_csvs_and_rows(tmp_path: Path) -> None:
    """A job's uploaded CSV, result CSVs and query rows are stored apart from its fields,
    each as it last was: after a restart the job answers as before."""
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    ingest = {"id": sf_id("750", 1), "object": "Account", "state": "Open", "_data": ""}
    state.persist_job(ingest)
    ingest["_data"] += "Name\nMüller \"GmbH\"\n"
    ingest.update(state="JobComplete", _success='"sf__Id","sf__Created",Name\n', _failed="",
                  _unprocessed="Name\n")
    state.persist_job(ingest)
    query = {"id": sf_id("750", 2), "object": "Contact", "state": "JobComplete",
             "_columns": ["Id", "Email"], "_rows": [["003A", "a@example.com"], ["003B", ""]]}
    state.persist_job(query)
    gone = {"id": sf_id("750", 3), "object": "Account", "_data": "Name\nX\n"}
    state.persist_job(gone)
    state.delete_job(gone["id"])
    state.store.close()

    state = _open(path)
    assert state.jobs == {ingest["id"]: ingest, query["id"]: query}
    assert state.store.execute("SELECT count(*) FROM job_payloads WHERE job_id = ?",
                               (gone["id"],)).fetchone() == (0,)
    state.store.close()


def test_jobs_stored_whole_by_older_code_still_load(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    old = {"id": sf_id("750", 7), "object": "Account", "state": "JobComplete",
           "_data": "Name\nA\n", "_success": '"sf__Id","sf__Created",Name\n'}
    state.store.execute("INSERT INTO jobs (id, data) VALUES (?, ?)", (old["id"], json.dumps(old)))
    state.store.close()

    state = _open(path)
    assert state.jobs[old["id"]] == old
    state.store.close()
