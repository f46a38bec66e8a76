"""Payment: applies amounts to invoices through `Line[].LinkedTxn`; the invoices' Balance
follows (and their SyncToken moves), `UnappliedAmt` is what is left over."""

from __future__ import annotations

from decimal import Decimal

from sandbox.qbo.entities.base import Rules
from sandbox.qbo.entities.invoice import _date, transaction_currency
from sandbox.qbo.entities.ledger import (
    adjust_customer,
    applied_to,
    payment_applications,
    payments_of,
    set_invoice_balance,
)
from sandbox.qbo.faults import business_rule, required_missing
from sandbox.qbo.money import CURRENCY_NAMES, plain, round_money, to_decimal
from sandbox.qbo.state import Company, Entity

ZERO = Decimal(0)


class PaymentRules(Rules):
    name = "Payment"
    deletable = True
    voidable = True

    def prepare(self, company: Company, row: Entity, current: Entity | None) -> Entity:
        if not row.get("CustomerRef"):
            raise required_missing("CustomerRef")
        customer = company.require("Customer", row["CustomerRef"])
        total = to_decimal(row.get("TotalAmt"))
        if total is None:
            raise required_missing("TotalAmt")
        currency, rate = transaction_currency(company, row, customer)
        total = round_money(total, currency)
        applied = ZERO
        lines = []
        for line in row.get("Line") or []:
            amount = round_money(to_decimal(line.get("Amount")) or ZERO, currency)
            for link in line.get("LinkedTxn") or []:
                if link.get("TxnType") != "Invoice":
                    continue
                invoice = company.require("Invoice", {"value": str(link.get("TxnId"))})
                if invoice["CustomerRef"]["value"] != customer["Id"]:
                    raise business_rule("The invoice does not belong to the payment's customer.")
                open_amount = Decimal(invoice["TotalAmt"]) - applied_to(
                    company, invoice["Id"], skip_payment=row.get("Id"))
                if amount > open_amount:
                    raise business_rule(f"The payment amount {amount} exceeds the open balance "
                                        f"{open_amount} of invoice {invoice['Id']}.")
            applied += amount
            lines.append({**line, "Amount": amount})
        if applied > total:
            raise business_rule("The amount applied to invoices exceeds the payment total.")
        row["Line"] = lines
        row["TotalAmt"] = total
        row["UnappliedAmt"] = total - applied
        row["CustomerRef"] = company.ref("Customer", customer["Id"], "DisplayName")
        row["CurrencyRef"] = {"value": currency, "name": CURRENCY_NAMES.get(currency, currency)}
        if company.settings.multi_currency:
            row["ExchangeRate"] = plain(rate)
        row["TxnDate"] = _date(row.get("TxnDate") or company.today().isoformat(),
                               "TxnDate").isoformat()
        row.setdefault("DepositToAccountRef", company.ref("Account", "7"))
        row.setdefault("ProcessPayment", False)
        return row

    def after_write(self, company: Company, before: Entity | None, after: Entity | None) -> None:
        touched = set(payment_applications(before or {})) | set(payment_applications(after or {}))
        for invoice_id in sorted(touched):
            invoice = company.find("Invoice", invoice_id)
            if invoice is not None:
                set_invoice_balance(company, invoice, payments_of(company, invoice_id))
        old = Decimal((before or {}).get("UnappliedAmt") or 0)
        new = Decimal((after or {}).get("UnappliedAmt") or 0)
        adjust_customer(company, (after or before or {}).get("CustomerRef"), old - new)

    def void(self, company: Company, row: Entity) -> Entity:
        for line in row.get("Line") or []:
            line["Amount"] = ZERO
        row["Line"] = []
        row["TotalAmt"] = row["UnappliedAmt"] = ZERO
        row["PrivateNote"] = "Voided"
        return row
