"""Balances that follow writes: invoice `Balance` from applied payments, customer `Balance`
from open invoices. A customer whose balance moves gets a new `LastUpdatedTime` but keeps its
SyncToken (as in the recordings: customer 1 changed time, not token, when invoiced)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.qbo.money import round_money
from sandbox.qbo.state import Company, Entity

ZERO = Decimal(0)


def payment_applications(payment: Entity) -> dict[str, Decimal]:
    """invoice id -> amount this payment applies to it."""
    out: dict[str, Decimal] = {}
    for line in payment.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice":
                out[str(link["TxnId"])] = out.get(str(link["TxnId"]), ZERO) + Decimal(
                    line.get("Amount") or 0)
    return out


def applied_to(company: Company, invoice_id: str, skip_payment: str | None = None) -> Decimal:
    total = ZERO
    for payment in company.rows("Payment").values():
        if payment["Id"] != skip_payment:
            total += payment_applications(payment).get(invoice_id, ZERO)
    return total


def adjust_customer(company: Company, customer_ref: Any, delta: Decimal) -> None:
    if delta == 0 or not customer_ref:
        return
    customer = company.find("Customer", str(customer_ref.get("value")))
    if customer is None:
        return
    customer["Balance"] = Decimal(customer.get("Balance") or 0) + delta
    customer["BalanceWithJobs"] = Decimal(customer.get("BalanceWithJobs") or 0) + delta
    customer["MetaData"] = {**customer["MetaData"], "LastUpdatedTime": company.stamp()}
    company.save("Customer", customer)


def set_invoice_balance(company: Company, invoice: Entity, payments: list[str]) -> None:
    """Recompute an invoice's Balance/HomeBalance/LinkedTxn after its payments changed."""
    before = Decimal(invoice.get("Balance") or 0)
    paid = applied_to(company, invoice["Id"])
    balance = Decimal(invoice.get("TotalAmt") or 0) - paid
    invoice["Balance"] = balance
    if "HomeBalance" in invoice:
        invoice["HomeBalance"] = round_money(balance * Decimal(invoice.get("ExchangeRate") or 1),
                                             company.settings.home_currency)
    invoice["LinkedTxn"] = [{"TxnId": pid, "TxnType": "Payment"} for pid in payments]
    invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
    invoice["MetaData"] = {**invoice["MetaData"], "LastUpdatedTime": company.stamp()}
    company.save("Invoice", invoice)
    adjust_customer(company, invoice.get("CustomerRef"), balance - before)


def payments_of(company: Company, invoice_id: str) -> list[str]:
    return [p["Id"] for p in company.rows("Payment").values()
            if invoice_id in payment_applications(p)]
