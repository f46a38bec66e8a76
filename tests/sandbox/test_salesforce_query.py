"""SOQL through simple-salesforce: paging, queryAll, the filters Concord sends, errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest


def _insert(sf: Salesforce, rows: list[dict[str, Any]]) -> None:
    result = sf.bulk2.Account.insert(records=rows, wait=0.05)
    assert result[0]["numberRecordsFailed"] == 0


def test_query_pages_by_2000_and_query_all_follows_next_records_url(
        sf: Salesforce, control: Any, tag: str) -> None:
    _insert(sf, [{"Name": f"Paged {i:04d}", "Trade_Register__c": tag} for i in range(4500)])
    soql = f"SELECT Id, Name FROM Account WHERE Trade_Register__c = '{tag}'"
    first = sf.query(soql)
    assert first["totalSize"] == 4500
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert re.fullmatch(r"/services/data/v60\.0/query/01g[0-9A-Za-z]{15}-2000",
                        first["nextRecordsUrl"])
    control.post("calls/reset")
    everything = sf.query_all(soql)
    assert len({r["Id"] for r in everything["records"]}) == 4500
    assert control.get("calls")["by_kind"] == {"query": 3}


def test_query_all_includes_deleted_rows_and_query_does_not(sf: Salesforce, tag: str) -> None:
    ids = [sf.Account.create({"Name": f"Bin {i}", "Trade_Register__c": tag})["id"]
           for i in range(3)]
    sf.Account.delete(ids[0])
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Trade_Register__c = '{tag}'"
    live = sf.query(soql)["records"]
    every = sf.query_all(soql, include_deleted=True)["records"]
    assert {r["Id"] for r in live} == set(ids[1:])
    assert {r["Id"]: r["IsDeleted"] for r in every} == {ids[0]: True, ids[1]: False,
                                                        ids[2]: False}


@pytest.fixture
def five(sf: Salesforce, tag: str) -> dict[str, str]:
    rows = [("Alpha", 10, "Retail"), ("Beta", 20, "Banking"), ("Gamma", None, "Retail"),
            ("O'Brien & Sons", 40, None), ("delta", 50, "Energy")]
    return {name: sf.Account.create({"Name": name, "NumberOfEmployees": n, "Industry": ind,
                                     "Trade_Register__c": tag})["id"]
            for name, n, ind in rows}


def _names(sf: Salesforce, tag: str, where: str, tail: str = "ORDER BY Name") -> list[str]:
    soql = f"SELECT Name FROM Account WHERE Trade_Register__c = '{tag}' AND ({where}) {tail}"
    return [r["Name"] for r in sf.query(soql)["records"]]


@pytest.mark.parametrize(("where", "expected"), [
    ("Industry IN ('Retail', 'Energy')", ["Alpha", "delta", "Gamma"]),
    ("Industry NOT IN ('Retail')", ["Beta", "delta", "O'Brien & Sons"]),
    ("Industry = null", ["O'Brien & Sons"]),
    ("NumberOfEmployees != null AND NumberOfEmployees <= 20", ["Alpha", "Beta"]),
    ("NumberOfEmployees > 20 OR Industry = 'Banking'", ["Beta", "delta", "O'Brien & Sons"]),
    ("(Industry = 'Retail' OR Industry = 'Banking') AND NumberOfEmployees >= 20", ["Beta"]),
    ("Name = 'O\\'Brien & Sons'", ["O'Brien & Sons"]),
    ("Name = 'ALPHA'", ["Alpha"]),
    ("Name LIKE '%a'", ["Alpha", "Beta", "delta", "Gamma"]),
    ("NOT Name LIKE 'a%'", ["Beta", "delta", "Gamma", "O'Brien & Sons"]),
    ("IsDeleted = FALSE AND CreatedDate = TODAY", ["Alpha", "Beta", "delta", "Gamma",
                                                  "O'Brien & Sons"]),
])
def test_where_clauses(sf: Salesforce, tag: str, five: dict[str, str], where: str,
                       expected: list[str]) -> None:
    assert sorted(_names(sf, tag, where), key=str.lower) == expected


def test_order_by_several_fields_limit_offset_and_count(sf: Salesforce, tag: str,
                                                       five: dict[str, str]) -> None:
    assert _names(sf, tag, "Name != null", "ORDER BY Industry DESC NULLS LAST, Name ASC") == [
        "Alpha", "Gamma", "delta", "Beta", "O'Brien & Sons"]
    assert _names(sf, tag, "Name != null", "ORDER BY NumberOfEmployees LIMIT 2") == [
        "Gamma", "Alpha"]
    assert _names(sf, tag, "Name != null", "ORDER BY NumberOfEmployees DESC LIMIT 2 OFFSET 1"
                  ) == ["O'Brien & Sons", "Beta"]
    counted = sf.query(f"SELECT COUNT() FROM Account WHERE Trade_Register__c = '{tag}'")
    assert counted == {"totalSize": 5, "done": True, "records": []}


def test_datetime_literals_with_offsets_bound_system_modstamp(sf: Salesforce, tag: str,
                                                             five: dict[str, str]) -> None:
    row = sf.Account.get(five["Beta"])
    stamp = datetime.strptime(row["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", row["SystemModstamp"])
    in_berlin = (stamp - timedelta(seconds=1)).astimezone(timezone(timedelta(hours=2)))
    in_berlin_text = in_berlin.strftime("%Y-%m-%dT%H:%M:%S") + "+02:00"
    assert "Beta" in _names(sf, tag, f"SystemModstamp > {in_berlin_text}")
    later = (stamp + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _names(sf, tag, f"SystemModstamp > {later}") == []
    assert len(_names(sf, tag, f"SystemModstamp < {later}")) == 5


def _error(sf: Salesforce, soql: str) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query(soql)
    assert raised.value.status == 400
    return dict(raised.value.content[0])


@pytest.mark.parametrize(("soql", "code", "says"), [
    ("SELECT Id, Nmae FROM Account", "INVALID_FIELD",
     "ERROR at Row:1:Column:12\nNo such column 'Nmae' on entity 'Account'."),
    ("SELECT Id FORM Account", "MALFORMED_QUERY", "unexpected token: 'FORM'"),
    ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported."),
    ("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY",
     "unexpected token: 'OR'"),
    ("SELECT Id FROM Account WHERE SystemModstamp > '2024-01-01T00:00:00Z'", "INVALID_FIELD",
     "must be of type dateTime and should not be enclosed in quotes"),
    ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY", "ERROR at Row:1"),
])
def test_bad_soql_is_rejected_like_salesforce(sf: Salesforce, soql: str, code: str,
                                             says: str) -> None:
    error = _error(sf, soql)
    assert error["errorCode"] == code
    assert says in error["message"]


def test_parent_fields_come_back_nested(sf: Salesforce, tag: str,
                                        make_sf: Callable[..., Salesforce]) -> None:
    account = sf.Account.create({"Name": "Parent Co", "Trade_Register__c": tag})["id"]
    sf.Contact.create({"LastName": "Kid", "AccountId": account, "Concord_Id__c": tag})
    rows = sf.query(f"SELECT Id, Account.Name, Owner.Username FROM Contact "
                    f"WHERE Concord_Id__c = '{tag}'")["records"]
    assert rows[0]["Account"]["Name"] == "Parent Co"
    assert rows[0]["Account"]["attributes"]["type"] == "Account"
    assert rows[0]["Owner"]["Username"] == "concord.integration@sandbox.concord.example"
