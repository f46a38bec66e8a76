"""Invoice: server-side lines, subtotal, discount, tax and totals (see `sandbox.qbo.tax`),
multi-currency (`ExchangeRate` = home units per foreign unit, `HomeTotalAmt`), auto DocNumber,
Balance net of applied payments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.qbo import tax
from sandbox.qbo.entities.base import Rules, flag
from sandbox.qbo.entities.ledger import adjust_customer, applied_to
from sandbox.qbo.faults import QboFault, business_rule, required_missing
from sandbox.qbo.money import CURRENCY_NAMES, plain, round_money, to_decimal
from sandbox.qbo.seed import exchange_rate
from sandbox.qbo.state import Company, Entity

MODES = ("TaxExcluded", "TaxInclusive", "NotApplicable")
ZERO = Decimal(0)


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise QboFault(400, "2070", "Invalid Date", f"Invalid Date : {field}",
                       element=field) from None


def transaction_currency(company: Company, row: Entity, customer: Entity) -> tuple[str, Decimal]:
    """(currency, ExchangeRate): the customer's currency; the rate in home units per unit."""
    settings = company.settings
    customer_currency = customer["CurrencyRef"]["value"]
    currency = str((row.get("CurrencyRef") or {}).get("value") or customer_currency).upper()
    if currency != customer_currency:
        raise business_rule("The currency of the transaction is invalid for customer "
                            f"{customer['DisplayName']}: {currency}")
    if currency == settings.home_currency:
        return currency, Decimal(1)
    given = to_decimal(row.get("ExchangeRate"))
    rate = given if given is not None and given > 0 else exchange_rate(
        currency, settings.home_currency)
    if rate is None:
        raise business_rule(f"No exchange rate for {currency}.")
    return currency, rate


class InvoiceRules(Rules):
    name = "Invoice"
    deletable = True
    voidable = True
    keep = frozenset({"LinkedTxn", "DocNumber"})

    def prepare(self, company: Company, row: Entity, current: Entity | None) -> Entity:
        settings = company.settings
        if not row.get("CustomerRef"):
            raise required_missing("CustomerRef")
        customer = company.require("Customer", row["CustomerRef"])
        lines_in = row.get("Line")
        if not isinstance(lines_in, list) or not lines_in:
            raise required_missing("Line")
        currency, rate = transaction_currency(company, row, customer)
        mode = str(row.get("GlobalTaxCalculation") or "TaxExcluded")
        if mode not in MODES:
            raise QboFault(400, "2170", "Invalid Enumeration", f"Invalid Enumeration : {mode}",
                           element="GlobalTaxCalculation")
        txn_code = (row.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef")
        if settings.us:
            mode = "TaxExcluded" if txn_code else "NotApplicable"
        after_discount = True if not settings.us else flag(row.get("ApplyTaxAfterDiscount"),
                                                           False)
        sales: list[tax.SalesLine] = []
        kept: list[tuple[str, dict[str, Any]]] = []  # (kind, line) in input order
        discounts: list[tax.Discount] = []
        for line in lines_in:
            kind = line.get("DetailType")
            if kind == "SalesItemLineDetail":
                sales.append(self._sales_line(company, line, mode, txn_code, currency))
                kept.append(("sales", line))
            elif kind == "DiscountLineDetail":
                discounts.append(self._discount(line))
                kept.append(("discount", line))
            elif kind in ("DescriptionOnly", "DescriptionLineDetail"):
                kept.append(("text", line))
            elif kind != "SubTotalLineDetail":
                raise business_rule(f"Unsupported line DetailType {kind}.")
        if not sales:
            raise required_missing("Line.SalesItemLineDetail")
        totals = tax.compute(sales, discounts, mode=mode, currency=currency,
                             apply_after_discount=after_discount)
        row["Line"] = self._lines(company, kept, sales, totals)
        detail: dict[str, Any] = {}
        if txn_code:
            code = company.require("TaxCode", txn_code)
            detail["TxnTaxCodeRef"] = {"value": code["Id"]}
        detail["TotalTax"] = totals.total_tax
        if totals.tax_lines:
            detail["TaxLine"] = [{
                "Amount": t.amount, "DetailType": "TaxLineDetail",
                "TaxLineDetail": {"TaxRateRef": {"value": t.rate_id}, "PercentBased": True,
                                  "TaxPercent": plain(t.percent),
                                  "NetAmountTaxable": t.net_taxable}} for t in totals.tax_lines]
        row["TxnTaxDetail"] = detail
        txn_date = _date(row.get("TxnDate") or company.today().isoformat(), "TxnDate")
        row["TxnDate"] = txn_date.isoformat()
        row["DueDate"] = _date(row.get("DueDate") or (txn_date + timedelta(days=30)).isoformat(),
                               "DueDate").isoformat()
        if not row.get("DocNumber"):
            row["DocNumber"] = (current or {}).get("DocNumber") or company.next_doc_number()
        row["CustomerRef"] = company.ref("Customer", customer["Id"], "DisplayName")
        row["CurrencyRef"] = {"value": currency, "name": CURRENCY_NAMES.get(currency, currency)}
        if not settings.us:
            row["GlobalTaxCalculation"] = mode
        row["ApplyTaxAfterDiscount"] = after_discount
        row["TotalAmt"] = totals.total
        paid = applied_to(company, row["Id"]) if current else ZERO
        if paid > totals.total:
            raise business_rule("The invoice total is less than the payments applied to it.")
        row["Balance"] = totals.total - paid
        if settings.multi_currency:
            row["ExchangeRate"] = plain(rate)
            row["HomeTotalAmt"] = round_money(totals.total * rate, settings.home_currency)
            row["HomeBalance"] = round_money(row["Balance"] * rate, settings.home_currency)
        else:
            for field in ("ExchangeRate", "HomeTotalAmt", "HomeBalance"):
                row.pop(field, None)
        row.setdefault("LinkedTxn", [])
        row.setdefault("PrintStatus", "NotSet")
        row.setdefault("EmailStatus", "NotSet")
        row.setdefault("Deposit", ZERO)
        for field in ("AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
                      "AllowOnlineACHPayment"):
            row[field] = flag(row.get(field), False)
        return row

    def _sales_line(self, company: Company, line: dict[str, Any], mode: str, txn_code: Any,
                    currency: str) -> tax.SalesLine:
        detail = line.get("SalesItemLineDetail") or {}
        item = company.require("Item", detail.get("ItemRef") or {"value": "1"})
        qty, price = to_decimal(detail.get("Qty")), to_decimal(detail.get("UnitPrice"))
        amount, gross = to_decimal(line.get("Amount")), to_decimal(detail.get("TaxInclusiveAmt"))
        if item.get("Type") == "Inventory" and qty is None:
            raise QboFault(400, "6520", "Missing Inventory Item Quantity",
                           "Quantity required for inventory item", element="")
        if mode == "TaxInclusive" and gross is not None:
            amount = None
        elif qty is not None and price is not None:
            expected = round_money(qty * price, currency)
            if amount is not None and round_money(amount, currency) != expected:
                raise business_rule(f"Amount is not equal to UnitPrice * Qty. Supplied value:"
                                    f"{amount}")
            amount = expected
        if amount is None and gross is None:
            raise required_missing("Amount")
        code_ref = detail.get("TaxCodeRef")
        code_id = str(code_ref.get("value") if isinstance(code_ref, dict) else code_ref or "")
        rates: tuple[tax.Rate, ...] = ()
        if company.settings.us:
            code_id = code_id.upper() or "NON"
            if code_id == "TAX" and txn_code:
                rates = self._rates(company, company.require("TaxCode", txn_code))
        elif mode != "NotApplicable":
            if not code_id:
                raise business_rule("Make sure all your transactions have a VAT rate before "
                                    "you save.")
            rates = self._rates(company, company.require("TaxCode", code_id))
        elif code_id:
            company.require("TaxCode", code_id)
        return tax.SalesLine(code=code_id or None, rates=rates, net=amount, gross=gross)

    @staticmethod
    def _rates(company: Company, code: Entity) -> tuple[tax.Rate, ...]:
        out = []
        for d in (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []:
            rate = company.require("TaxRate", d["TaxRateRef"])
            out.append(tax.Rate(rate["Id"], Decimal(rate["RateValue"])))
        return tuple(out)

    @staticmethod
    def _discount(line: dict[str, Any]) -> tax.Discount:
        detail = line.get("DiscountLineDetail") or {}
        if flag(detail.get("PercentBased"), False):
            percent = to_decimal(detail.get("DiscountPercent"))
            if percent is None:
                raise required_missing("DiscountPercent")
            return tax.Discount(percent=percent)
        amount = to_decimal(line.get("Amount"))
        if amount is None:
            raise required_missing("Amount")
        return tax.Discount(amount=amount)

    @staticmethod
    def _lines(company: Company, kept: list[tuple[str, dict[str, Any]]],
               sales: list[tax.SalesLine], totals: tax.Totals) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        tail: list[dict[str, Any]] = []
        n_sales = n_disc = 0
        for kind, line in kept:
            if kind == "discount":
                detail = dict(line.get("DiscountLineDetail") or {})
                detail["PercentBased"] = flag(detail.get("PercentBased"), False)
                if detail["PercentBased"]:
                    detail["DiscountPercent"] = plain(Decimal(detail["DiscountPercent"]))
                detail.setdefault("DiscountAccountRef", company.ref("Account", "5"))
                tail.append({"Amount": totals.discounts[n_disc],
                             "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail})
                n_disc += 1
                continue
            num = len(out) + 1
            new: dict[str, Any] = {"Id": str(num), "LineNum": num}
            if line.get("Description") is not None:
                new["Description"] = line["Description"]
            if kind == "text":
                new.update({k: v for k, v in line.items() if k not in ("Id", "LineNum")})
                out.append(new)
                continue
            detail = dict(line.get("SalesItemLineDetail") or {})
            item_id = str((detail.get("ItemRef") or {}).get("value") or "1")
            detail["ItemRef"] = company.ref("Item", item_id)
            for field in ("Qty", "UnitPrice"):
                if to_decimal(detail.get(field)) is not None:
                    detail[field] = plain(to_decimal(detail[field]))  # type: ignore[arg-type]
            if sales[n_sales].code:
                detail["TaxCodeRef"] = {"value": sales[n_sales].code}
            gross = totals.line_gross[n_sales]
            if gross is not None:
                detail["TaxInclusiveAmt"] = gross
            new.update({"Amount": totals.line_net[n_sales], "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": detail})
            out.append(new)
            n_sales += 1
        out.append({"Amount": totals.subtotal, "DetailType": "SubTotalLineDetail",
                    "SubTotalLineDetail": {}})
        return out + tail

    def after_write(self, company: Company, before: Entity | None, after: Entity | None) -> None:
        old = Decimal(before.get("Balance") or 0) if before else ZERO
        new = Decimal(after.get("Balance") or 0) if after else ZERO
        old_customer = (before or {}).get("CustomerRef")
        new_customer = (after or {}).get("CustomerRef")
        if before and after and old_customer.get("value") == new_customer.get("value"):
            adjust_customer(company, new_customer, new - old)
            return
        adjust_customer(company, old_customer, -old)
        adjust_customer(company, new_customer, new)

    def before_delete(self, company: Company, row: Entity) -> None:
        if applied_to(company, row["Id"]) > 0:
            raise business_rule("This invoice has payments applied to it; delete the payments "
                                "first.")

    def void(self, company: Company, row: Entity) -> Entity:
        self.before_delete(company, row)
        for line in row.get("Line") or []:
            if "Amount" in line:
                line["Amount"] = ZERO
            (line.get("SalesItemLineDetail") or {}).pop("TaxInclusiveAmt", None)
        row["TxnTaxDetail"] = {"TotalTax": ZERO}
        row["TotalAmt"] = row["Balance"] = ZERO
        for field in ("HomeTotalAmt", "HomeBalance"):
            if field in row:
                row[field] = ZERO
        row["PrivateNote"] = "Voided"
        return row
