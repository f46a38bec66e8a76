"""The v3 company API through plain requests: queries and paging, writes and their faults,
batch, requestid replay, change data capture, throttling, injected faults, call counts."""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from sandbox.harness import SandboxControl as Control
from tests.sandbox.qbo_fixtures import *  # noqa: F403 - the sandbox fixtures
from tests.sandbox.qbo_fixtures import QboApi


def _invoice(customer_id: str, amount: str = "100.00", code: str = "2") -> dict[str, Any]:
    return {"CustomerRef": {"value": customer_id}, "Line": [{
        "DetailType": "SalesItemLineDetail", "Amount": float(amount),
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": code}}}]}


def _fault(response: requests.Response) -> dict[str, Any]:
    return dict(response.json()["Fault"]["Error"][0])


# ----- query -------------------------------------------------------------------------------------
def test_query_pages_are_one_based_and_max_results_counts_rows(qbo: QboApi, tag: str) -> None:
    for i in range(7):
        qbo.customer(f"Pager {tag} {i}")
    where = f"where DisplayName like 'Pager {tag}%'"
    count = qbo.query(f"SELECT COUNT(*) FROM Customer {where}")
    assert count == {"totalCount": 7}
    seen: list[str] = []
    start = 1
    while True:
        page = qbo.query(f"select * from Customer {where} orderby DisplayName "
                         f"startposition {start} maxresults 3")
        if not page:
            break
        assert page["startPosition"] == start
        assert page["maxResults"] == len(page["Customer"]) <= 3
        assert "totalCount" not in page
        seen += [c["DisplayName"] for c in page["Customer"]]
        start += 3
    assert seen == [f"Pager {tag} {i}" for i in range(7)]
    assert qbo.query(f"select * from Customer {where} STARTPOSITION 8") == {}


def test_query_filters_by_last_updated_time_and_refs(qbo: QboApi, tag: str) -> None:
    customer = qbo.customer(f"Filter {tag}")
    cutoff = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    qbo.create("Invoice", _invoice(customer["Id"]))
    rows = qbo.query(f"Select * From Invoice Where MetaData.LastUpdatedTime > '{cutoff}' "
                     f"And CustomerRef = '{customer['Id']}'")
    assert len(rows["Invoice"]) == 1
    assert qbo.query(f"select * from Invoice where TotalAmt > '119.99' and CustomerRef IN "
                     f"('{customer['Id']}')")["maxResults"] == 1


def test_query_errors(qbo: QboApi) -> None:
    unknown = qbo.get("query", query="SELECT * FROM Custmoer")
    assert unknown.status_code == 400
    assert _fault(unknown)["code"] == "4001"
    assert "invalid context declaration: Custmoer" in _fault(unknown)["Detail"]
    too_many = qbo.get("query", query="select * from Customer maxresults 1001")
    assert too_many.status_code == 400 and _fault(too_many)["code"] == "4000"
    bad_field = qbo.get("query", query="select * from Customer where Nope = '1'")
    assert bad_field.status_code == 400


def test_query_by_post_with_application_text(qbo: QboApi) -> None:
    response = qbo.session.post(f"{qbo.base}/query", data="select * from TaxCode",
                                headers={"Content-Type": "application/text"},
                                params={"minorversion": "75"})
    assert response.status_code == 200
    assert response.json()["QueryResponse"]["maxResults"] >= 10


# ----- writes ------------------------------------------------------------------------------------
def test_duplicate_display_name_is_6240(qbo: QboApi, tag: str) -> None:
    qbo.customer(f"Twin {tag}")
    response = qbo.post("customer", {"DisplayName": f"twin {tag}"})
    assert response.status_code == 400
    assert response.json()["Fault"] == {"Error": [{
        "Message": "Duplicate Name Exists Error",
        "Detail": "The name supplied already exists. : null", "code": "6240"}],
        "type": "ValidationFault"}


def test_unknown_property_is_2010_and_missing_object_is_610(qbo: QboApi) -> None:
    response = qbo.post("invoice", {"BadJson": True})
    assert response.status_code == 400 and _fault(response)["code"] == "2010"
    assert 'Unrecognized field "BadJson"' in _fault(response)["Detail"]
    missing = qbo.get("customer/999999")
    assert missing.status_code == 400 and _fault(missing)["code"] == "610"


def test_stale_sync_token_is_5010_and_sparse_update_keeps_other_fields(qbo: QboApi,
                                                                        tag: str) -> None:
    customer = qbo.create("Customer", {"DisplayName": f"Stale {tag}", "CompanyName": "Keep"})
    assert customer["SyncToken"] == "0"
    updated = qbo.create("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True,
                                      "Notes": "first"})
    assert updated["SyncToken"] == "1" and updated["CompanyName"] == "Keep"
    stale = qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True,
                                  "Notes": "second"})
    assert stale.status_code == 400
    assert _fault(stale)["code"] == "5010" and _fault(stale)["Message"] == "Stale Object Error"
    full = qbo.create("Customer", {"Id": customer["Id"], "SyncToken": "1",
                                   "DisplayName": f"Stale {tag}"})
    assert "CompanyName" not in full and "Notes" not in full  # a full update clears


def test_item_account_rules(qbo: QboApi, tag: str) -> None:
    no_income = qbo.post("item", {"Name": f"Svc {tag}", "Type": "Service"})
    assert no_income.status_code == 400 and _fault(no_income)["code"] == "2020"
    service = qbo.create("Item", {"Name": f"Svc {tag}", "Type": "Service",
                                  "IncomeAccountRef": {"value": "2"}})
    assert service["IncomeAccountRef"] == {"value": "2", "name": "Services"}
    inventory = {"Name": f"Widget {tag}", "Type": "Inventory", "IncomeAccountRef": {"value": "1"},
                 "AssetAccountRef": {"value": "3"}, "ExpenseAccountRef": {"value": "4"},
                 "QtyOnHand": 10, "InvStartDate": "2024-01-01"}
    for field in ("AssetAccountRef", "ExpenseAccountRef", "QtyOnHand", "InvStartDate"):
        partial = {k: v for k, v in inventory.items() if k != field}
        response = qbo.post("item", partial)
        assert response.status_code == 400, field
        assert field in _fault(response)["Detail"]
    item = qbo.create("Item", inventory)
    assert item["TrackQtyOnHand"] is True and item["QtyOnHand"] == 10
    dup = qbo.post("item", {**inventory})
    assert _fault(dup)["code"] == "6240"


def test_payment_moves_invoice_and_customer_balance(qbo: QboApi, tag: str) -> None:
    customer = qbo.customer(f"Payer {tag}")
    invoice = qbo.create("Invoice", _invoice(customer["Id"]))
    assert invoice["Balance"] == 120.0
    payment = qbo.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 50.0,
                                     "Line": [{"Amount": 50.0, "LinkedTxn": [
                                         {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert payment["UnappliedAmt"] == 0
    after = qbo.get(f"invoice/{invoice['Id']}").json(parse_float=Decimal)["Invoice"]
    assert after["Balance"] == Decimal("70.00") and after["SyncToken"] == "1"
    assert after["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    cust = qbo.get(f"customer/{customer['Id']}").json(parse_float=Decimal)["Customer"]
    assert cust["Balance"] == Decimal("70.00") and cust["SyncToken"] == "0"
    qbo.create("Payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]},
               operation="delete")
    assert qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 120.0


def test_void_zeroes_and_delete_leaves_a_tombstone(qbo: QboApi, tag: str) -> None:
    customer = qbo.customer(f"Voider {tag}")
    invoice = qbo.create("Invoice", _invoice(customer["Id"]))
    voided = qbo.create("Invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided"
    assert voided["SyncToken"] == "1"
    deleted = qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": "1"}, operation="delete")
    assert deleted.json()["Invoice"] == {"domain": "QBO", "status": "Deleted",
                                         "Id": invoice["Id"]}
    assert _fault(qbo.get(f"invoice/{invoice['Id']}"))["code"] == "610"


def test_requestid_replay_returns_the_original_and_creates_nothing(qbo: QboApi,
                                                                   tag: str) -> None:
    first = qbo.post("customer", {"DisplayName": f"Once {tag}"}, requestid=f"rq-{tag}")
    again = qbo.post("customer", {"DisplayName": f"Once {tag}"}, requestid=f"rq-{tag}")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    count = qbo.query(f"select count(*) from Customer where DisplayName = 'Once {tag}'")
    assert count == {"totalCount": 1}
    other = qbo.post("customer", {"DisplayName": f"Once {tag}"}, requestid=f"rq2-{tag}")
    assert _fault(other)["code"] == "6240"  # a new requestid really writes again


# ----- batch -------------------------------------------------------------------------------------
def test_batch_of_30_with_one_bad_item(qbo: QboApi, tag: str) -> None:
    items: list[dict[str, Any]] = [
        {"bId": f"b{i}", "operation": "create", "Customer": {"DisplayName": f"Batch {tag} {i}"}}
        for i in range(29)]
    items.insert(13, {"bId": "bad", "operation": "create",
                      "Customer": {"DisplayName": f"Batch {tag} 3"}})  # duplicate name
    response = qbo.post("batch", {"BatchItemRequest": items})
    assert response.status_code == 200
    results = {r["bId"]: r for r in response.json()["BatchItemResponse"]}
    assert len(results) == 30
    assert results["bad"]["Fault"] == {"Error": [{
        "Message": "Duplicate Name Exists Error", "Detail": "The name supplied already exists. : "
        "null", "code": "6240", "element": ""}], "type": "ValidationFault"}
    assert all("Customer" in results[f"b{i}"] for i in range(29))
    assert qbo.query(f"select count(*) from Customer where DisplayName like 'Batch {tag}%'") \
        == {"totalCount": 29}
    too_many = qbo.post("batch", {"BatchItemRequest": [*items, items[0]]})
    assert too_many.status_code == 400


def test_batch_mixes_update_delete_and_query(qbo: QboApi, tag: str) -> None:
    customer = qbo.customer(f"Mixed {tag}")
    response = qbo.post("batch", {"BatchItemRequest": [
        {"bId": "u", "operation": "update",
         "Customer": {"Id": customer["Id"], "SyncToken": "5", "sparse": True, "Notes": "x"}},
        {"bId": "d", "operation": "delete", "Invoice": {"Id": "999999", "SyncToken": "0"}},
        {"bId": "q", "Query": f"select * from Customer where Id = '{customer['Id']}'"}]})
    results = {r["bId"]: r for r in response.json()["BatchItemResponse"]}
    assert results["u"]["Fault"]["Error"][0]["code"] == "5010"
    assert results["d"]["Fault"]["Error"][0]["code"] == "610"
    assert results["q"]["QueryResponse"]["Customer"][0]["Id"] == customer["Id"]


# ----- change data capture -----------------------------------------------------------------------
def test_cdc_shows_updates_and_deletes(qbo: QboApi, tag: str) -> None:
    since = (datetime.now(UTC) - timedelta(seconds=2)).isoformat(timespec="seconds")
    customer = qbo.customer(f"Cdc {tag}")
    keep = qbo.create("Invoice", _invoice(customer["Id"]))
    gone = qbo.create("Invoice", _invoice(customer["Id"]))
    qbo.create("Invoice", {"Id": keep["Id"], "SyncToken": "0", "sparse": True,
                           "PrivateNote": "changed"})
    qbo.post("invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")
    response = qbo.get("cdc", entities="Invoice,Customer", changedSince=since)
    assert response.status_code == 200
    parts = response.json()["CDCResponse"][0]["QueryResponse"]
    invoices = {r["Id"]: r for r in parts[0]["Invoice"]}
    assert invoices[keep["Id"]]["PrivateNote"] == "changed"
    assert invoices[gone["Id"]]["status"] == "Deleted"
    assert set(invoices[gone["Id"]]) == {"domain", "status", "Id", "MetaData"}
    assert customer["Id"] in {r["Id"] for r in parts[1]["Customer"]}
    assert parts[0]["maxResults"] == len(parts[0]["Invoice"])


def test_cdc_can_enforce_the_30_day_window(qbo: QboApi, qbo_control: Control) -> None:
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    assert qbo.get("cdc", entities="Invoice", changedSince=old).status_code == 200
    qbo_control.post("cdc", {"enforce_30_days": True})
    try:
        assert qbo.get("cdc", entities="Invoice", changedSince=old).status_code == 400
    finally:
        qbo_control.post("cdc", {"enforce_30_days": False})


# ----- throttling and injected faults ------------------------------------------------------------
def test_throttle_past_500_requests_per_minute(qbo: QboApi, qbo_control: Control) -> None:
    qbo_control.post("clock/advance", {"seconds": 61})  # a fresh window
    qbo_control.post("limits", {"reset": True})
    statuses = [qbo.get("preferences").status_code for _ in range(501)]
    assert statuses[:500] == [200] * 500
    refused = qbo.get("preferences")
    assert statuses[500] == 429 and refused.status_code == 429
    assert refused.json()["Fault"] == {"Error": [{
        "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "Detail": "The request limit was reached.  Try again later", "code": "3001"}],
        "type": "SERVICE"}
    qbo_control.post("clock/advance", {"seconds": 61})
    assert qbo.get("preferences").status_code == 200


def test_more_than_10_concurrent_requests_are_refused(qbo: QboApi,
                                                      qbo_control: Control) -> None:
    qbo_control.post("limits", {"reset": True})
    qbo_control.post("faults", {"method": "GET", "path": "/preferences$", "action": "latency",
                                "delay_ms": 400, "times": 14})

    def call() -> int:
        session = requests.Session()
        session.trust_env = False
        session.verify = qbo.session.verify
        session.headers.update(qbo.session.headers)
        return session.get(f"{qbo.base}/preferences").status_code

    with concurrent.futures.ThreadPoolExecutor(14) as pool:
        statuses = list(pool.map(lambda _i: call(), range(14)))
    assert statuses.count(429) >= 1
    assert statuses.count(200) >= 10 - 1


def test_injected_5xx_and_429_speak_qbo(qbo: QboApi, qbo_control: Control) -> None:
    qbo_control.post("faults", {"faults": [
        {"method": "GET", "path": "/preferences$", "action": "status", "status": 503},
        {"method": "GET", "path": "/preferences$", "action": "status", "status": 429}]})
    unavailable = qbo.get("preferences")
    assert unavailable.status_code == 503 and _fault(unavailable)["code"] == "10000"
    throttled = qbo.get("preferences")
    assert throttled.status_code == 429 and _fault(throttled)["code"] == "3001"
    assert qbo.get("preferences").status_code == 200


def test_reset_after_commit_then_requestid_retry_is_safe(qbo: QboApi, qbo_control: Control,
                                                         tag: str) -> None:
    qbo_control.post("faults", {"method": "POST", "path": "/customer$",
                                "action": "reset_after_commit"})
    with pytest.raises(requests.exceptions.ConnectionError):
        qbo.post("customer", {"DisplayName": f"Lost {tag}"}, requestid=f"lost-{tag}")
    retry = qbo.post("customer", {"DisplayName": f"Lost {tag}"}, requestid=f"lost-{tag}")
    assert retry.status_code == 200
    assert qbo.query(f"select count(*) from Customer where DisplayName = 'Lost {tag}'") \
        == {"totalCount": 1}


def test_calls_are_counted_by_kind(qbo: QboApi, qbo_control: Control, tag: str) -> None:
    qbo_control.post("calls/reset")
    customer = qbo.customer(f"Counted {tag}")
    qbo.get(f"customer/{customer['Id']}")
    qbo.query("select * from Item")
    qbo.get("cdc", entities="Item", changedSince="2024-01-01")
    qbo.post("batch", {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]})
    kinds = qbo_control.get("calls")["by_kind"]
    assert kinds == {"entity_write": 1, "entity_read": 1, "query": 1, "cdc": 1, "batch": 1}


def test_company_info_and_preferences(qbo: QboApi) -> None:
    info = qbo.get(f"companyinfo/{qbo.realm_id}").json()["CompanyInfo"]
    assert info["Country"] == "FR"
    prefs = qbo.get("preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "EUR"


def test_restart_keeps_companies_tokens_and_entities(tmp_path: Any, tag: str) -> None:
    from sandbox.harness import launch_sandbox

    first = launch_sandbox("qbo", tmp_path / "state")
    try:
        creds = first.info.credentials
        api = QboApi(first.info, creds["realm_id"], creds["access_token"])
        customer = api.customer(f"Durable {tag}")
    finally:
        first.stop()
    second = launch_sandbox("qbo", tmp_path / "state")
    try:
        assert second.info.credentials["realm_id"] == creds["realm_id"]
        api = QboApi(second.info, creds["realm_id"], creds["access_token"])  # old token
        assert api.get(f"customer/{customer['Id']}").json()["Customer"]["DisplayName"] \
            == f"Durable {tag}"
        again = api.customer(f"Durable {tag} 2")
        assert int(again["Id"]) > int(customer["Id"])
    finally:
        second.stop()
