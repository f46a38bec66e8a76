"""sObject REST and Collections writes, with Salesforce's validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.reference import INTEGRATION_USER, SALESFORCE_USERS


def _collections(sf: Salesforce, method: str, path: str, body: dict[str, Any]) -> Any:
    import json
    return sf.restful(path, method=method, data=json.dumps(body))


def test_create_get_update_delete(sf: Salesforce, tag: str) -> None:
    created = sf.Account.create({"Name": "Crud GmbH", "Trade_Register__c": tag})
    assert created["success"] is True and created["errors"] == []
    assert created["id"].startswith("001") and len(created["id"]) == 18
    first = sf.Account.get(created["id"])
    assert first["OwnerId"] == INTEGRATION_USER.id  # no owner given: the user who created it
    assert first["CreatedDate"] == first["SystemModstamp"]
    assert sf.Account.update(created["id"], {"Industry": "Retail"}) == 204
    second = sf.Account.get(created["id"])
    assert second["Industry"] == "Retail"
    assert second["SystemModstamp"] > first["SystemModstamp"]
    assert second["LastModifiedDate"] == second["SystemModstamp"]
    assert sf.Account.delete(created["id"]) == 204


def test_upsert_by_external_id_creates_then_updates(sf: Salesforce, tag: str) -> None:
    first = sf.Account.upsert(f"Concord_Id__c/{tag}", {"Name": "Up"}, raw_response=True)
    assert first.status_code == 201
    assert first.json()["created"] is True
    again = sf.Account.upsert(f"Concord_Id__c/{tag}", {"Name": "Up 2"}, raw_response=True)
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "success": True, "errors": [],
                            "created": False}
    assert sf.Account.get_by_custom_id("Concord_Id__c", tag)["Name"] == "Up 2"


def test_collections_write_good_records_and_report_bad_ones_in_order(
        sf: Salesforce, tag: str) -> None:
    records = [
        {"attributes": {"type": "Account"}, "Name": "Good 1", "Concord_Id__c": f"{tag}-1"},
        {"attributes": {"type": "Account"}, "Concord_Id__c": f"{tag}-2"},
        {"attributes": {"type": "Account"}, "Name": "Good 3", "Concord_Id__c": f"{tag}-3"},
        {"attributes": {"type": "Account"}, "Name": "x" * 256, "Concord_Id__c": f"{tag}-4"},
    ]
    results = _collections(sf, "PATCH", "composite/sobjects/Account/Concord_Id__c",
                           {"allOrNone": False, "records": records})
    assert [r["success"] for r in results] == [True, False, True, False]
    assert results[0]["created"] is True
    assert results[1]["errors"] == [{"statusCode": "REQUIRED_FIELD_MISSING",
                                     "message": "Required fields are missing: [Name]",
                                     "fields": ["Name"]}]
    assert results[3]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert results[3]["errors"][0]["fields"] == ["Name"]
    found = sf.query(f"SELECT Concord_Id__c FROM Account WHERE Concord_Id__c LIKE '{tag}-%'")
    assert sorted(r["Concord_Id__c"] for r in found["records"]) == [f"{tag}-1", f"{tag}-3"]
    again = _collections(sf, "PATCH", "composite/sobjects/Account/Concord_Id__c",
                         {"allOrNone": False, "records": records[:1]})
    assert again == [{"id": results[0]["id"], "success": True, "errors": [], "created": False}]


def test_all_or_none_rolls_every_record_back(sf: Salesforce, tag: str) -> None:
    results = _collections(sf, "POST", "composite/sobjects", {"allOrNone": True, "records": [
        {"attributes": {"type": "Contact"}, "LastName": "Fine", "Concord_Id__c": tag},
        {"attributes": {"type": "Contact"}, "LastName": "Bad", "Email": "not-an-email"},
    ]})
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert sf.query(f"SELECT COUNT() FROM Contact WHERE Concord_Id__c = '{tag}'")[
        "totalSize"] == 0


def test_collections_refuse_more_than_200_records(sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Account"}, "Name": f"n{i}"} for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        _collections(sf, "POST", "composite/sobjects", {"allOrNone": False, "records": records})
    assert raised.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collections_delete_reports_each_id(sf: Salesforce, tag: str) -> None:
    ids = [sf.Account.create({"Name": f"Del {i}"})["id"] for i in range(2)]
    sf.Account.delete(ids[1])
    results = sf.restful("composite/sobjects", method="DELETE",
                         params={"ids": ",".join(ids), "allOrNone": "false"})
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


INACTIVE = next(u for u in SALESFORCE_USERS if not u.is_active)


@pytest.mark.parametrize(("sobject", "values", "code", "fields"), [
    ("Account", {"Industry": "Retail"}, "REQUIRED_FIELD_MISSING", ["Name"]),
    ("Contact", {"FirstName": "Only"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
    ("Account", {"Name": "A", "Concord_Id__c": "x" * 65}, "STRING_TOO_LONG", ["Concord_Id__c"]),
    ("Contact", {"LastName": "L", "Email": "a@b"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
    ("Account", {"Name": "A", "OwnerId": INACTIVE.id}, "INACTIVE_OWNER_OR_USER", []),
    ("Account", {"Name": "A", "Colour__c": "red"}, "INVALID_FIELD", []),
    ("Contact", {"LastName": "L", "AccountId": "001000000000000AAA"},
     "INVALID_CROSS_REFERENCE_KEY", []),
    ("Account", {"Name": "A", "OwnerId": "005000000000999AAA"}, "INVALID_CROSS_REFERENCE_KEY",
     []),
    ("Contact", {"LastName": "L", "AccountId": "nope"}, "MALFORMED_ID", ["AccountId"]),
    ("Account", {"Name": "A", "Customer_Status__c": "Friend"},
     "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Customer_Status__c"]),
])
def test_validation_errors(sf: Salesforce, sobject: str, values: dict[str, Any], code: str,
                           fields: list[str]) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        getattr(sf, sobject).create(values)
    error = raised.value.content[0]
    assert error["errorCode"] == code
    assert error.get("fields", []) == fields


def test_unique_external_id_gives_duplicate_value(sf: Salesforce, tag: str) -> None:
    first = sf.Account.create({"Name": "One", "Concord_Id__c": tag})["id"]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Account.create({"Name": "Two", "Concord_Id__c": tag.upper()})
    error = raised.value.content[0]
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert error["message"] == ("duplicate value found: Concord_Id__c duplicates value on "
                                f"record with id: {first}")


def test_every_write_gets_a_later_system_modstamp(sf: Salesforce) -> None:
    record = sf.Contact.create({"LastName": "Clock"})["id"]
    stamps = []
    for i in range(15):
        sf.Contact.update(record, {"FirstName": f"n{i}"})
        stamps.append(sf.Contact.get(record)["SystemModstamp"])
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


def test_describe_has_the_custom_fields(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    concord = fields["Concord_Id__c"]
    assert (concord["type"], concord["length"], concord["externalId"], concord["unique"],
            concord["custom"]) == ("string", 64, True, True, True)
    assert [p["value"] for p in fields["Customer_Status__c"]["picklistValues"]] == [
        "Lead", "Prospect", "Customer", "Former Customer"]
    assert "Food & Beverage" in [p["value"] for p in fields["Industry"]["picklistValues"]]
    names = {o["name"]: o["keyPrefix"] for o in sf.describe()["sobjects"]}
    assert names == {"Account": "001", "Contact": "003", "Product2": "01t", "User": "005"}
    assert sf.Product2.describe()["fields"][0]["name"] == "Id"
