"""Invoices and credit notes: validation, the status machine, arithmetic, rendering.

Both are "documents": a contact, dated lines with account and tax type, a currency and
rate, and totals computed by `money.compute_totals`. Messages quoted in api-notes/xero.md
are Xero's; the others are sandbox wording (see README).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.xero import seed
from sandbox.xero.errors import RecordInvalid
from sandbox.xero.money import LINE_AMOUNT_TYPES, LineInput, compute_totals, currency_decimals
from sandbox.xero.state import Record, Tenant, XeroState
from sandbox.xero.wire import iso_day, msdate, msdate_time, parse_date, to_decimal

EDITABLE = ("DRAFT", "SUBMITTED")
NOT_MODIFIABLE = "Invoice not of valid status for modification"
HAS_PAYMENTS = ("This document cannot be edited as it has a payment or credit note "
                "allocated to it.")


@dataclass(frozen=True)
class DocKind:
    name: str  # Invoice | CreditNote
    id_field: str
    number_field: str
    types: dict[str, str]  # Type -> "sales" | "purchases"
    number_prefix: dict[str, str]
    label: str


INVOICE = DocKind("Invoice", "InvoiceID", "InvoiceNumber",
                  {"ACCREC": "sales", "ACCPAY": "purchases"}, {"ACCREC": "INV"}, "Invoice")
CREDIT_NOTE = DocKind("CreditNote", "CreditNoteID", "CreditNoteNumber",
                      {"ACCRECCREDIT": "sales", "ACCPAYCREDIT": "purchases"},
                      {"ACCRECCREDIT": "CN"}, "Credit Note")


def today() -> date:
    return datetime.now(UTC).date()


def find_contact(state: XeroState, tenant: Tenant, ref: Any) -> Record:
    """By ContactID, else by Name among active contacts, else a new contact (as Xero does)."""
    if not isinstance(ref, dict) or not (ref.get("ContactID") or ref.get("Name")):
        raise RecordInvalid("A Contact must be specified for this type of transaction")
    if ref.get("ContactID"):
        contact = tenant.get("Contact", str(ref["ContactID"]))
        if contact is None:
            raise RecordInvalid("Contact could not be found")
        return contact
    name = str(ref["Name"]).strip()
    for contact in tenant.rows("Contact"):
        if contact["ContactStatus"] == "ACTIVE" and contact["Name"].lower() == name.lower():
            return contact
    from sandbox.xero.contacts import new_contact  # a document may create its contact
    return new_contact(state, tenant, {"Name": name})


def contact_summary(contact: Record) -> Record:
    return {"ContactID": contact["ContactID"], "Name": contact["Name"],
            "ContactStatus": contact["ContactStatus"], "Addresses": [], "Phones": [],
            "ContactGroups": [], "ContactPersons": [], "HasValidationErrors": False}


def _due_date(tenant: Tenant, kind: str, day: date) -> date:
    terms = tenant.organisation["PaymentTerms"]["Sales" if kind == "sales" else "Bills"]
    if terms["Type"] == "OFFOLLOWINGMONTH":
        first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first_next + timedelta(days=terms["Day"] - 1)
    return day + timedelta(days=terms["Day"])


def _status_change(kind: DocKind, old: str | None, new: str, paid: Decimal) -> None:
    if old is None:
        if new not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            raise RecordInvalid(f"{kind.label} status cannot be {new} when created")
        return
    if old in ("PAID", "VOIDED", "DELETED") or (old == "AUTHORISED" and paid):
        raise RecordInvalid(HAS_PAYMENTS if old == "PAID" or paid else NOT_MODIFIABLE)
    if new == "PAID":
        raise RecordInvalid(f"{kind.label} status cannot be set to PAID; apply a payment")
    if new == "VOIDED" and old != "AUTHORISED":
        raise RecordInvalid(f"Only AUTHORISED documents can be voided; delete a {old} one")
    if new == "DELETED" and old not in EDITABLE:
        raise RecordInvalid(f"A {old} {kind.label.lower()} cannot be deleted; void it instead")
    if old == "AUTHORISED" and new in EDITABLE:
        raise RecordInvalid(NOT_MODIFIABLE)


def _line(state: XeroState, tenant: Tenant, raw: dict[str, Any], side: str, status: str,
          errors: list[str]) -> tuple[Record, LineInput]:
    item: Record | None = None
    if raw.get("ItemCode"):
        item = next((i for i in tenant.rows("Item")
                     if i["Code"].lower() == str(raw["ItemCode"]).lower()), None)
        if item is None:
            errors.append(f"Item code '{raw['ItemCode']}' is not valid")
    details = (item or {}).get("SalesDetails" if side == "sales" else "PurchaseDetails") or {}
    account_code = raw.get("AccountCode") or details.get("AccountCode")
    account = None
    if raw.get("AccountID"):
        account = tenant.get("Account", str(raw["AccountID"]))
    elif account_code:
        account = next((a for a in tenant.rows("Account") if a["Code"] == str(account_code)),
                       None)
    if (account_code or raw.get("AccountID")) and (account is None
                                                   or account["Status"] != "ACTIVE"):
        errors.append("Account could not be found")
    elif account is None and status not in ("DRAFT", "DELETED"):
        errors.append("Account code must be specified for each line item")
    tax_type = raw.get("TaxType") or details.get("TaxType") or (account or {}).get("TaxType") \
        or "NONE"
    rate = tenant.get("TaxRate", str(tax_type))
    if rate is None or rate["Status"] != "ACTIVE":
        errors.append(f"The TaxType code '{tax_type}' does not exist or cannot be used for "
                      "this type of transaction.")
    unit = to_decimal(raw.get("UnitAmount"))
    if unit is None and raw.get("LineAmount") is None:
        unit = to_decimal(details.get("UnitPrice"))
    line = LineInput(
        quantity=to_decimal(raw.get("Quantity")), unit_amount=unit,
        tax_rate=rate["EffectiveRate"] if rate else Decimal(0),
        discount_rate=to_decimal(raw.get("DiscountRate")),
        discount_amount=to_decimal(raw.get("DiscountAmount")),
        line_amount=to_decimal(raw.get("LineAmount")),
        tax_amount=to_decimal(raw.get("TaxAmount")))
    stored: Record = {"LineItemID": str(raw.get("LineItemID") or uuid.uuid4()),
                      "Description": raw.get("Description") or (item or {}).get("Description")
                      or "", "TaxType": rate["TaxType"] if rate else str(tax_type),
                      "Tracking": raw.get("Tracking") or []}
    if item is not None:
        stored["ItemCode"] = item["Code"]
        stored["Item"] = {"ItemID": item["ItemID"], "Code": item["Code"], "Name": item.get(
            "Name", item["Code"])}
    if account is not None:
        stored["AccountCode"] = account["Code"]
        stored["AccountID"] = account["AccountID"]
    if line.discount_rate is not None:
        stored["DiscountRate"] = line.discount_rate
    if line.discount_amount is not None and line.discount_rate is None:
        stored["DiscountAmount"] = line.discount_amount
    return stored, line


def build(state: XeroState, tenant: Tenant, kind: DocKind, element: dict[str, Any],
          existing: Record | None, unitdp: int) -> Record:
    """Validate `element` (a create, or an update of `existing`) into a full record.
    Raises RecordInvalid with every message found; mutates nothing."""
    errors: list[str] = []
    doc_type = str(element.get("Type") or (existing or {}).get("Type") or "")
    if doc_type not in kind.types:
        raise RecordInvalid(f"{kind.label} Type must be one of {', '.join(kind.types)}")
    side = kind.types[doc_type]
    paid = (existing or {}).get("AmountPaid", Decimal(0)) + \
        (existing or {}).get("AmountCredited", Decimal(0))
    old_status = existing["Status"] if existing else None
    status = str(element.get("Status") or old_status or "DRAFT").upper()
    _status_change(kind, old_status, status, paid)
    contact = find_contact(state, tenant, element["Contact"]) if element.get("Contact") \
        else (tenant.get("Contact", existing["Contact"]["ContactID"]) if existing else None)
    if contact is None:
        raise RecordInvalid("A Contact must be specified for this type of transaction")
    raw_lines = element.get("LineItems")
    if raw_lines is None and existing is not None:
        raw_lines = [reusable_line(line) for line in existing["LineItems"]]
        unitdp = 4  # stored unit amounts already carry the precision they were written with
    if not raw_lines:
        errors.append("One or more line items must be specified")
    amount_types = str(element.get("LineAmountTypes")
                       or (existing or {}).get("LineAmountTypes") or "Exclusive")
    if amount_types not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes must be one of {', '.join(LINE_AMOUNT_TYPES)}")
        amount_types = "Exclusive"
    currency = str(element.get("CurrencyCode") or (existing or {}).get("CurrencyCode")
                   or tenant.base_currency)
    if tenant.get("Currency", currency) is None:
        errors.append(f"The currency '{currency}' is not enabled for this organisation")
    rate = to_decimal(element.get("CurrencyRate"))
    if currency == tenant.base_currency:
        rate = Decimal("1.000000")
    elif rate is None:
        rate = (existing or {}).get("CurrencyRate") or seed.CURRENCIES.get(
            currency, ("", False, Decimal(1)))[2]
    if rate is None or rate <= 0:
        errors.append("CurrencyRate must be greater than zero")
    day = parse_date(element.get("Date")) or (parse_date(existing["DateString"]) if existing
                                              else None) or today()
    due = parse_date(element.get("DueDate")) or (
        parse_date(existing.get("DueDateString")) if existing else None) or _due_date(
        tenant, side, day)
    number = element.get(kind.number_field, (existing or {}).get(kind.number_field))
    if number:
        clash = next((d for d in tenant.rows(kind.name) if d["Type"] == doc_type
                      and d.get(kind.number_field, "").lower() == str(number).lower()
                      and d["Status"] != "DELETED"
                      and d[kind.id_field] != (existing or {}).get(kind.id_field)), None)
        if clash is not None:
            errors.append(f"{'Invoice' if kind is INVOICE else 'Credit Note'} # must be unique.")
    lines = [_line(state, tenant, raw, side, status, errors) for raw in raw_lines or []]
    if status == "DELETED" and old_status in EDITABLE:
        errors = [e for e in errors if "must be specified for each" not in e]
    if errors:
        raise RecordInvalid(*dict.fromkeys(errors))
    totals = compute_totals([li for _s, li in lines], amount_types, currency, unitdp)
    if status == "AUTHORISED" and totals.total < 0:
        raise RecordInvalid(f"The {kind.label.lower()} total cannot be negative")
    stored_lines = []
    for (stored, _li), result in zip(lines, totals.lines, strict=True):
        stored_lines.append({**stored, "Quantity": result.quantity,
                             "UnitAmount": result.unit_amount, "LineAmount": result.line_amount,
                             "TaxAmount": result.tax_amount})
    record: Record = dict(existing or {})
    record.update({
        "Type": doc_type, kind.id_field: (existing or {}).get(kind.id_field) or str(uuid.uuid4()),
        "Reference": element.get("Reference", (existing or {}).get("Reference", "")),
        "Contact": contact_summary(contact), "Status": status,
        "LineAmountTypes": amount_types, "LineItems": stored_lines,
        "Date": msdate(day), "DateString": iso_day(day),
        "DueDate": msdate(due), "DueDateString": iso_day(due),
        "CurrencyCode": currency, "CurrencyRate": rate,
        "SubTotal": totals.sub_total, "TotalTax": totals.total_tax, "Total": totals.total,
        "TotalDiscount": totals.total_discount, "IsDiscounted": totals.total_discount != 0,
        "HasAttachments": False, "HasErrors": False,
    })
    if number:
        record[kind.number_field] = str(number)
    elif not record.get(kind.number_field) and doc_type in kind.number_prefix:
        record[kind.number_field] = state.next_number(tenant, kind.number_prefix[doc_type])
    record.setdefault("AmountPaid", Decimal(0))
    record.setdefault("AmountCredited", Decimal(0))
    record.setdefault("Payments", [])
    record.setdefault("CreditNotes" if kind is INVOICE else "Allocations", [])
    if kind is INVOICE:
        record.setdefault("Prepayments", [])
        record.setdefault("Overpayments", [])
        record.setdefault("SentToContact", False)
    settle(record, kind)
    return record


def reusable_line(line: Record) -> Record:
    """A stored line as input for recomputation (tax is recomputed, not carried over)."""
    keys = ("LineItemID", "Description", "Quantity", "UnitAmount", "ItemCode", "AccountCode",
            "TaxType", "DiscountRate", "DiscountAmount", "Tracking")
    return {k: line[k] for k in keys if k in line}


def settle(record: Record, kind: DocKind) -> None:
    """AmountDue / RemainingCredit and the move to PAID once nothing is outstanding."""
    places = currency_decimals(record["CurrencyCode"])
    zero = Decimal(0).quantize(Decimal(1).scaleb(-places))
    outstanding = record["Total"] - record["AmountPaid"] - record["AmountCredited"]
    if kind is INVOICE:
        record["AmountDue"] = outstanding + zero
    else:
        record["RemainingCredit"] = outstanding + zero
        record["AppliedAmount"] = record["AmountCredited"]
    if record["Status"] == "AUTHORISED" and outstanding == 0 and record["Total"] > 0 \
            and (record["AmountPaid"] or record["AmountCredited"]):
        record["Status"] = "PAID"
        record["FullyPaidOnDate"] = record.get("_last_settled") or record["Date"]


def stamp(state: XeroState, record: Record) -> Record:
    stamp_ms = state.stamp_ms()
    record["_updated_ms"] = stamp_ms
    record["UpdatedDateUTC"] = msdate_time(stamp_ms)
    return record


def render(record: Record, *, unitdp: int = 2, lines: bool = True,
           summary_only: bool = False) -> Record:
    from sandbox.xero.handlers.base import public
    out = public(record)
    if summary_only:
        for name in ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments",
                     "Allocations"):
            out.pop(name, None)
        return out
    if not lines:
        out.pop("LineItems", None)
        return out
    if unitdp != 4:
        for line in out["LineItems"]:
            line["UnitAmount"] = line["UnitAmount"].quantize(Decimal("0.01"))
    return out
