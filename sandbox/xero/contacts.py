"""Contacts and items: validation and create-or-update matching."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sandbox.xero.errors import RecordInvalid
from sandbox.xero.money import round_to
from sandbox.xero.state import Record, Tenant, XeroState
from sandbox.xero.wire import msdate_time, to_decimal

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTACT_FIELDS = ("ContactNumber", "AccountNumber", "FirstName", "LastName", "EmailAddress",
                  "CompanyNumber", "TaxNumber", "BankAccountDetails", "AccountsReceivableTaxType",
                  "AccountsPayableTaxType", "DefaultCurrency", "IsSupplier", "IsCustomer",
                  "Addresses", "Phones", "ContactPersons", "Website", "PaymentTerms",
                  "SalesDefaultAccountCode", "PurchasesDefaultAccountCode")
MAX_LENGTHS = {"Name": 255, "FirstName": 255, "LastName": 255, "EmailAddress": 255,
               "ContactNumber": 50, "AccountNumber": 50, "TaxNumber": 50, "CompanyNumber": 50}


def stamp(state: XeroState, record: Record) -> Record:
    stamp_ms = state.stamp_ms()
    record["_updated_ms"] = stamp_ms
    record["UpdatedDateUTC"] = msdate_time(stamp_ms)
    return record


def match_contact(tenant: Tenant, element: dict[str, Any], by_name: bool) -> Record | None:
    """POST matches by ContactID, then ContactNumber, then (active) Name."""
    if element.get("ContactID"):
        found = tenant.get("Contact", str(element["ContactID"]))
        if found is None:
            raise RecordInvalid("Contact could not be found")
        return found
    rows = tenant.rows("Contact")
    if element.get("ContactNumber"):
        found = next((c for c in rows if c.get("ContactNumber") == element["ContactNumber"]),
                     None)
        if found is not None:
            return found
    if by_name and element.get("Name"):
        name = str(element["Name"]).strip().lower()
        return next((c for c in rows if c["ContactStatus"] == "ACTIVE"
                     and c["Name"].lower() == name), None)
    return None


def build_contact(tenant: Tenant, element: dict[str, Any], existing: Record | None) -> Record:
    errors: list[str] = []
    record: Record = dict(existing or {"ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE",
                                       "Addresses": [], "Phones": [], "ContactGroups": [],
                                       "ContactPersons": [], "IsSupplier": False,
                                       "IsCustomer": False, "HasAttachments": False,
                                       "HasValidationErrors": False})
    name = str(element.get("Name", record.get("Name", "")) or "").strip()
    if not name:
        errors.append("Contact name must be specified")
    status = str(element.get("ContactStatus") or record["ContactStatus"]).upper()
    if status not in ("ACTIVE", "ARCHIVED", "GDPRREQUEST"):
        errors.append(f"Contact status '{status}' is not valid")
    if name and status == "ACTIVE":
        clash = next((c for c in tenant.rows("Contact") if c["ContactStatus"] == "ACTIVE"
                      and c["Name"].lower() == name.lower()
                      and c["ContactID"] != record["ContactID"]), None)
        if clash is not None:
            errors.append(f"The contact name {name} is already assigned to another contact. "
                          "The contact name must be unique across all active contacts.")
    for field in CONTACT_FIELDS:
        if field in element:
            record[field] = element[field]
    for field, limit in MAX_LENGTHS.items():
        value = name if field == "Name" else record.get(field)
        if isinstance(value, str) and len(value) > limit:
            errors.append(f"{field} must not exceed {limit} characters")
    email = record.get("EmailAddress")
    if email and not _EMAIL.match(str(email)):
        errors.append("Email address must be valid.")
    if errors:
        raise RecordInvalid(*errors)
    record["Name"], record["ContactStatus"] = name, status
    return record


def new_contact(state: XeroState, tenant: Tenant, element: dict[str, Any]) -> Record:
    record = stamp(state, build_contact(tenant, element, None))
    state.put(tenant, "Contact", [record])
    return record


def _details(tenant: Tenant, raw: Any, errors: list[str], unitdp: int) -> Record | None:
    if not isinstance(raw, dict):
        return None
    out: Record = {}
    price = to_decimal(raw.get("UnitPrice"))
    if price is not None:
        out["UnitPrice"] = round_to(price, unitdp)
    code = raw.get("AccountCode")
    if code:
        if not any(a["Code"] == str(code) for a in tenant.rows("Account")):
            errors.append("Account could not be found")
        out["AccountCode"] = str(code)
    if raw.get("TaxType"):
        if tenant.get("TaxRate", str(raw["TaxType"])) is None:
            errors.append(f"The TaxType code '{raw['TaxType']}' does not exist or cannot be "
                          "used for this type of transaction.")
        out["TaxType"] = str(raw["TaxType"])
    return out


def match_item(tenant: Tenant, element: dict[str, Any]) -> Record | None:
    if element.get("ItemID"):
        found = tenant.get("Item", str(element["ItemID"]))
        if found is None:
            raise RecordInvalid("Item could not be found")
        return found
    code = str(element.get("Code") or "").lower()
    return next((i for i in tenant.rows("Item") if i["Code"].lower() == code), None)


def build_item(tenant: Tenant, element: dict[str, Any], existing: Record | None,
               unitdp: int) -> Record:
    errors: list[str] = []
    record: Record = dict(existing or {"ItemID": str(uuid.uuid4()), "IsTrackedAsInventory": False,
                                       "IsSold": True, "IsPurchased": True})
    code = str(element.get("Code", record.get("Code", "")) or "").strip()
    if not code:
        errors.append("Item code must be specified")
    elif len(code) > 30:
        errors.append("Item code must not exceed 30 characters")
    clash = next((i for i in tenant.rows("Item") if i["Code"].lower() == code.lower()
                  and i["ItemID"] != record["ItemID"]), None)
    if code and clash is not None:
        errors.append(f"Item code '{code}' already exists")
    for field in ("Name", "Description", "PurchaseDescription", "IsSold", "IsPurchased"):
        if field in element:
            record[field] = element[field]
    if len(str(record.get("Name") or "")) > 50:
        errors.append("Item name must not exceed 50 characters")
    for field in ("SalesDetails", "PurchaseDetails"):
        if field in element:
            details = _details(tenant, element[field], errors, unitdp)
            if details is not None:
                record[field] = details
    if errors:
        raise RecordInvalid(*errors)
    record["Code"] = code
    record.setdefault("Name", code)
    return record
