"""Item: Name unique (6240). Service and NonInventory need IncomeAccountRef; Inventory also
needs AssetAccountRef, ExpenseAccountRef, QtyOnHand and InvStartDate, and tracks quantity
(QBO Item entity reference)."""

from __future__ import annotations

from decimal import Decimal

from sandbox.qbo.entities.base import Rules, flag, name_clash, require_text
from sandbox.qbo.faults import QboFault, duplicate_name, required_missing
from sandbox.qbo.money import plain, to_decimal
from sandbox.qbo.state import Company, Entity

ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Group", "Category")


class ItemRules(Rules):
    name = "Item"

    def prepare(self, company: Company, row: Entity, current: Entity | None) -> Entity:
        name = require_text(row, "Name")
        kind = row.get("Type") or "Service"
        if kind not in ITEM_TYPES:
            raise QboFault(400, "2170", "Invalid Enumeration", f"Invalid Enumeration : {kind}",
                           element="Type")
        if name_clash(company, "Item", "Name", name, row.get("Id")):
            raise duplicate_name("Another product or service is already using this name. "
                                 "Please use a different name.")
        needed = ["IncomeAccountRef"]
        if kind == "Inventory":
            needed += ["AssetAccountRef", "ExpenseAccountRef", "QtyOnHand", "InvStartDate"]
        for field in needed:
            if row.get(field) in (None, "", {}):
                raise required_missing(field)
        for field in ("IncomeAccountRef", "AssetAccountRef", "ExpenseAccountRef"):
            if row.get(field):
                account = company.require("Account", row[field])
                row[field] = company.ref("Account", account["Id"])
        if kind == "Inventory":
            qty = to_decimal(row["QtyOnHand"])
            if qty is None:
                raise QboFault(400, "2090", "Invalid Number", "Invalid Number : QtyOnHand",
                               element="QtyOnHand")
            row["QtyOnHand"] = plain(qty)
            row["TrackQtyOnHand"] = True
        else:
            row["TrackQtyOnHand"] = False
        price = to_decimal(row.get("UnitPrice"))
        row.update(Name=name, FullyQualifiedName=name, Type=kind,
                   Active=flag(row.get("Active"), True),
                   UnitPrice=plain(price) if price is not None else Decimal(0))
        return row
