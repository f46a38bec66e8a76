"""Payments and credit-note allocations: the only ways a document reaches PAID.

A payment or allocation lowers AmountDue (RemainingCredit for a credit note) and raises
AmountPaid / AmountCredited; at zero outstanding the document becomes PAID with
FullyPaidOnDate. Deleting a payment reverses it (PAID → AUTHORISED).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sandbox.xero.documents import CREDIT_NOTE, INVOICE, settle, stamp, today
from sandbox.xero.errors import RecordInvalid
from sandbox.xero.money import currency_decimals, round_to
from sandbox.xero.state import Record, Tenant, XeroState
from sandbox.xero.wire import msdate, parse_date, to_decimal

NOT_AUTHORISED = "Payments can only be made against AUTHORISED documents"
TOO_MUCH = "Payment amount exceeds the amount outstanding on this document"


def _find_invoice(tenant: Tenant, ref: Any) -> Record:
    if isinstance(ref, dict) and ref.get("InvoiceID"):
        found = tenant.get("Invoice", str(ref["InvoiceID"]))
    elif isinstance(ref, dict) and ref.get("InvoiceNumber"):
        number = str(ref["InvoiceNumber"]).lower()
        found = next((i for i in tenant.rows("Invoice")
                      if i.get("InvoiceNumber", "").lower() == number
                      and i["Status"] != "DELETED"), None)
    else:
        raise RecordInvalid("An Invoice must be specified for a payment")
    if found is None:
        raise RecordInvalid("Invoice could not be found")
    return found


def _find_account(tenant: Tenant, ref: Any) -> Record:
    account = None
    if isinstance(ref, dict) and ref.get("AccountID"):
        account = tenant.get("Account", str(ref["AccountID"]))
    elif isinstance(ref, dict) and ref.get("Code"):
        account = next((a for a in tenant.rows("Account") if a["Code"] == str(ref["Code"])),
                       None)
    if account is None:
        raise RecordInvalid("Account could not be found")
    if not account.get("EnablePaymentsToAccount") and account["Type"] != "BANK":
        raise RecordInvalid("Account type is invalid for making a payment to/from")
    return account


def invoice_summary(invoice: Record) -> Record:
    return {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice.get("InvoiceNumber", ""),
            "Type": invoice["Type"], "CurrencyCode": invoice["CurrencyCode"],
            "Contact": invoice["Contact"], "HasErrors": False, "IsDiscounted": False,
            "LineItems": [], "Payments": [], "CreditNotes": [], "Prepayments": [],
            "Overpayments": [], "HasAttachments": False}


def apply_payment(state: XeroState, tenant: Tenant, element: dict[str, Any]) -> Record:
    invoice = _find_invoice(tenant, element.get("Invoice"))
    account = _find_account(tenant, element.get("Account"))
    if invoice["Status"] != "AUTHORISED":
        raise RecordInvalid(NOT_AUTHORISED)
    places = currency_decimals(invoice["CurrencyCode"])
    amount = to_decimal(element.get("Amount"))
    if amount is None or amount <= 0:
        raise RecordInvalid("Payment amount must be greater than zero")
    amount = round_to(amount, places)
    if amount > invoice["AmountDue"]:
        raise RecordInvalid(TOO_MUCH)
    day = parse_date(element.get("Date")) or today()
    rate = Decimal("1.000000") if invoice["CurrencyCode"] == tenant.base_currency else (
        to_decimal(element.get("CurrencyRate")) or invoice["CurrencyRate"])
    bank_amount = amount if account.get("CurrencyCode", tenant.base_currency) == \
        invoice["CurrencyCode"] else round_to(amount / rate, 2)
    payment: Record = {
        "PaymentID": str(uuid.uuid4()), "Date": msdate(day), "Amount": amount,
        "BankAmount": bank_amount, "CurrencyRate": rate,
        "Reference": str(element.get("Reference") or ""),
        "IsReconciled": bool(element.get("IsReconciled", False)), "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
        "HasAccount": True, "HasValidationErrors": False,
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
    }
    invoice["AmountPaid"] += amount
    invoice["Payments"].append({k: payment[k] for k in (
        "PaymentID", "Date", "Amount", "Reference", "CurrencyRate", "HasAccount",
        "HasValidationErrors")})
    invoice["_last_settled"] = payment["Date"]
    settle(invoice, INVOICE)
    stamp(state, invoice)
    payment["Invoice"] = invoice_summary(invoice)
    stamp(state, payment)
    state.put(tenant, "Invoice", [invoice])
    state.put(tenant, "Payment", [payment])
    return payment


def delete_payment(state: XeroState, tenant: Tenant, payment: Record) -> Record:
    if payment["Status"] == "DELETED":
        raise RecordInvalid("Payment has already been deleted")
    invoice = tenant.get("Invoice", payment["Invoice"]["InvoiceID"])
    if invoice is not None:
        invoice["AmountPaid"] -= payment["Amount"]
        invoice["Payments"] = [p for p in invoice["Payments"]
                               if p["PaymentID"] != payment["PaymentID"]]
        if invoice["Status"] == "PAID":
            invoice["Status"] = "AUTHORISED"
            invoice.pop("FullyPaidOnDate", None)
        settle(invoice, INVOICE)
        stamp(state, invoice)
        state.put(tenant, "Invoice", [invoice])
        payment["Invoice"] = invoice_summary(invoice)
    payment["Status"] = "DELETED"
    stamp(state, payment)
    state.put(tenant, "Payment", [payment])
    return payment


def allocate_credit(state: XeroState, tenant: Tenant, credit: Record,
                    element: dict[str, Any]) -> Record:
    invoice = _find_invoice(tenant, element.get("Invoice"))
    if credit["Status"] != "AUTHORISED" or invoice["Status"] != "AUTHORISED":
        raise RecordInvalid("Allocations can only be made between AUTHORISED documents")
    if invoice["CurrencyCode"] != credit["CurrencyCode"]:
        raise RecordInvalid("The credit note and invoice must be in the same currency")
    if invoice["Contact"]["ContactID"] != credit["Contact"]["ContactID"]:
        raise RecordInvalid("The credit note and invoice must be for the same contact")
    amount = to_decimal(element.get("Amount"))
    if amount is None or amount <= 0:
        raise RecordInvalid("Allocation amount must be greater than zero")
    amount = round_to(amount, currency_decimals(credit["CurrencyCode"]))
    if amount > credit["RemainingCredit"] or amount > invoice["AmountDue"]:
        raise RecordInvalid("Allocation amount exceeds the amount outstanding")
    day = msdate(parse_date(element.get("Date")) or today())
    allocation = {"AllocationID": str(uuid.uuid4()), "Amount": amount, "Date": day,
                  "Invoice": {"InvoiceID": invoice["InvoiceID"],
                              "InvoiceNumber": invoice.get("InvoiceNumber", "")}}
    credit["AmountCredited"] += amount
    credit["Allocations"].append(allocation)
    credit["_last_settled"] = day
    invoice["AmountCredited"] += amount
    invoice["CreditNotes"].append({"CreditNoteID": credit["CreditNoteID"],
                                   "CreditNoteNumber": credit.get("CreditNoteNumber", ""),
                                   "Total": credit["Total"], "AppliedAmount": amount,
                                   "Date": day})
    invoice["_last_settled"] = day
    settle(credit, CREDIT_NOTE)
    settle(invoice, INVOICE)
    state.put(tenant, "CreditNote", [stamp(state, credit)])
    state.put(tenant, "Invoice", [stamp(state, invoice)])
    return {**allocation, "CreditNote": {"CreditNoteID": credit["CreditNoteID"],
                                         "CreditNoteNumber": credit.get("CreditNoteNumber", "")}}
