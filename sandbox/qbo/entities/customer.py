"""Customer: DisplayName unique (case-insensitive) across the name list -> 6240; currency fixed
once the customer has transactions; `Balance` is maintained by invoices and payments."""

from __future__ import annotations

from decimal import Decimal

from sandbox.qbo.entities.base import Rules, flag, name_clash
from sandbox.qbo.faults import business_rule, duplicate_name, required_missing
from sandbox.qbo.money import CURRENCY_NAMES
from sandbox.qbo.state import Company, Entity


def has_transactions(company: Company, customer_id: str) -> bool:
    return any((r.get("CustomerRef") or {}).get("value") == customer_id
               for entity in ("Invoice", "Payment") for r in company.rows(entity).values())


class CustomerRules(Rules):
    name = "Customer"
    keep = frozenset({"Balance", "BalanceWithJobs"})

    def prepare(self, company: Company, row: Entity, current: Entity | None) -> Entity:
        display = row.get("DisplayName")
        if not isinstance(display, str) or not display.strip():
            parts = [row.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName")]
            display = " ".join(p for p in parts if isinstance(p, str) and p) or row.get(
                "CompanyName")
        if not isinstance(display, str) or not display.strip():
            raise required_missing("DisplayName")
        display = display.strip()
        if name_clash(company, "Customer", "DisplayName", display, row.get("Id")):
            raise duplicate_name()
        settings = company.settings
        currency = (row.get("CurrencyRef") or {}).get("value") or settings.home_currency
        currency = str(currency).upper()
        if currency != settings.home_currency and not settings.multi_currency:
            raise business_rule("Multicurrency is not enabled for this company.")
        if current is not None and currency != current["CurrencyRef"]["value"] \
                and has_transactions(company, current["Id"]):
            raise business_rule("You can't change the currency of a customer that has "
                                "transactions.")
        row["DisplayName"] = display
        row["CurrencyRef"] = {"value": currency, "name": CURRENCY_NAMES.get(currency, currency)}
        row.setdefault("FullyQualifiedName", display)
        row["FullyQualifiedName"] = display
        row.setdefault("PrintOnCheckName", display)
        row["Taxable"] = flag(row.get("Taxable"), settings.us)
        row["Job"] = flag(row.get("Job"), False)
        row["BillWithParent"] = flag(row.get("BillWithParent"), False)
        row["Active"] = flag(row.get("Active"), True)
        row.setdefault("PreferredDeliveryMethod", "Print")
        row["Balance"] = (current or {}).get("Balance", Decimal(0))
        row["BalanceWithJobs"] = (current or {}).get("BalanceWithJobs", Decimal(0))
        return row
