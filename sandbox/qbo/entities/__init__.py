"""Per-entity write rules: validation, defaults, server-computed fields, side effects."""

from __future__ import annotations

from sandbox.qbo.entities.account import AccountRules
from sandbox.qbo.entities.base import ReadOnlyRules, Rules
from sandbox.qbo.entities.customer import CustomerRules
from sandbox.qbo.entities.invoice import InvoiceRules
from sandbox.qbo.entities.item import ItemRules
from sandbox.qbo.entities.payment import PaymentRules

RULES: dict[str, Rules] = {
    "Account": AccountRules(), "Customer": CustomerRules(), "Item": ItemRules(),
    "Invoice": InvoiceRules(), "Payment": PaymentRules(),
    "TaxCode": ReadOnlyRules("TaxCode"), "TaxRate": ReadOnlyRules("TaxRate"),
    "CompanyInfo": ReadOnlyRules("CompanyInfo"), "Preferences": ReadOnlyRules("Preferences"),
}
