"""Account: Name unique (6240), AccountType from QBO's list; Classification follows the type."""

from __future__ import annotations

from decimal import Decimal

from sandbox.qbo.entities.base import Rules, flag, name_clash, require_text
from sandbox.qbo.faults import QboFault, duplicate_name
from sandbox.qbo.money import CURRENCY_NAMES
from sandbox.qbo.seed import CLASSIFICATION
from sandbox.qbo.state import Company, Entity


class AccountRules(Rules):
    name = "Account"
    keep = frozenset({"CurrentBalance", "CurrentBalanceWithSubAccounts"})

    def prepare(self, company: Company, row: Entity, current: Entity | None) -> Entity:
        name = require_text(row, "Name")
        kind = require_text(row, "AccountType")
        if kind not in CLASSIFICATION:
            raise QboFault(400, "2170", "Invalid Enumeration",
                           f"Invalid Enumeration : {kind}", element="AccountType")
        if name_clash(company, "Account", "Name", name, row.get("Id")):
            raise duplicate_name("Another account is already using this name. Please use a "
                                 "different name.")
        home = company.settings.home_currency
        currency = str((row.get("CurrencyRef") or {}).get("value") or home).upper()
        row.update(Name=name, FullyQualifiedName=name, AccountType=kind,
                   Classification=CLASSIFICATION[kind], Active=flag(row.get("Active"), True),
                   SubAccount=flag(row.get("SubAccount"), False),
                   CurrencyRef={"value": currency, "name": CURRENCY_NAMES.get(currency, currency)})
        row.setdefault("CurrentBalance", Decimal(0))
        row.setdefault("CurrentBalanceWithSubAccounts", Decimal(0))
        return row
