"""Invoice arithmetic as Xero does it: per-line rounded tax, discounts, inclusive amounts,
4-dp unit amounts and zero-decimal currencies. Every expected figure is worked by hand in
the comment next to it. Ties round HALF_UP (the sandbox's stated rule; Xero's is
unverified)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from xero_python.accounting.models import CurrencyCode, LineAmountTypes, LineItem

from tests.sandbox.xero_fixtures import (  # noqa: F401 - fixtures
    XeroClient,
    create,
    line,
    sales_invoice,
    tag,
    xero,
    xero_info,
    xero_sandbox,
)

# (id, LineAmountTypes, currency, unitdp, [(qty, unit, TaxType, DiscountRate)], SubTotal, TotalTax, Total)
CASES = [
    ("excl-single-20", "Exclusive", "EUR", None, [("1", "100.00", "OUTPUT2", None)],
     "100.00", "20.00", "120.00"),  # 100 × 20 % = 20
    ("excl-two-lines", "Exclusive", "EUR", None,
     [("3", "19.99", "OUTPUT2", None), ("1", "5.00", "OUTPUT2", None)],
     "64.97", "12.99", "77.96"),  # 59.97 × .2 = 11.994 → 11.99; 5 × .2 = 1.00
    ("excl-19", "Exclusive", "EUR", None, [("1", "10.00", "TAX001", None)],
     "10.00", "1.90", "11.90"),
    ("excl-7", "Exclusive", "EUR", None, [("2", "4.35", "TAX002", None)],
     "8.70", "0.61", "9.31"),  # 8.70 × .07 = 0.609 → 0.61
    ("excl-three-rates", "Exclusive", "EUR", None,
     [("1", "100.00", "TAX001", None), ("1", "50.00", "TAX002", None),
      ("1", "20.00", "EXEMPTOUTPUT", None)],
     "170.00", "22.50", "192.50"),  # 19.00 + 3.50 + 0
    ("excl-per-line-rounding", "Exclusive", "EUR", None,
     [("1", "0.03", "TAX001", None)] * 3,
     "0.09", "0.03", "0.12"),  # each 0.0057 → 0.01 (invoice-level would be 0.0171 → 0.02)
    ("excl-tie-5pct", "Exclusive", "EUR", None, [("1", "0.10", "RROUTPUT", None)],
     "0.10", "0.01", "0.11"),  # 0.005 → 0.01 (HALF_UP)
    ("excl-tie-7pct", "Exclusive", "EUR", None, [("1", "2.50", "TAX002", None)],
     "2.50", "0.18", "2.68"),  # 0.175 → 0.18
    ("excl-tie-19pct", "Exclusive", "EUR", None, [("1", "1.50", "TAX001", None)],
     "1.50", "0.29", "1.79"),  # 0.285 → 0.29
    ("excl-discount-tie", "Exclusive", "EUR", None, [("1", "10.05", "OUTPUT2", "50")],
     "5.03", "1.01", "6.04"),  # 10.05 × .5 = 5.025 → 5.03; 5.03 × .2 = 1.006 → 1.01
    ("excl-discount-10", "Exclusive", "EUR", None, [("2", "49.99", "OUTPUT2", "10")],
     "89.98", "18.00", "107.98"),  # 99.98 × .9 = 89.982 → 89.98; × .2 = 17.996 → 18.00
    ("excl-discount-15-at-19", "Exclusive", "EUR", None, [("3", "33.33", "TAX001", "15")],
     "84.99", "16.15", "101.14"),  # 99.99 × .85 = 84.9915 → 84.99; × .19 = 16.1481 → 16.15
    ("incl-20", "Inclusive", "EUR", None, [("1", "120.00", "OUTPUT2", None)],
     "100.00", "20.00", "120.00"),  # 120 × 20/120
    ("incl-19", "Inclusive", "EUR", None, [("1", "100.00", "TAX001", None)],
     "84.03", "15.97", "100.00"),  # 100 × 19/119 = 15.966… → 15.97
    ("incl-7", "Inclusive", "EUR", None, [("1", "10.70", "TAX002", None)],
     "10.00", "0.70", "10.70"),  # 10.70 × 7/107
    ("incl-three-rates", "Inclusive", "EUR", None,
     [("1", "119.00", "TAX001", None), ("1", "53.50", "TAX002", None),
      ("1", "10.00", "ZERORATEDOUTPUT", None)],
     "160.00", "22.50", "182.50"),  # 19.00 + 3.50 + 0
    ("incl-per-line-tie", "Inclusive", "EUR", None, [("1", "0.99", "OUTPUT2", None)] * 3,
     "2.46", "0.51", "2.97"),  # each 0.99/6 = 0.165 → 0.17 (invoice-level: 0.495 → 0.50)
    ("incl-discount", "Inclusive", "EUR", None, [("2", "59.50", "TAX001", "10")],
     "90.00", "17.10", "107.10"),  # 119 × .9 = 107.10; × 19/119 = 17.10
    ("no-tax", "NoTax", "EUR", None,
     [("2", "45.50", "OUTPUT2", None), ("1", "9.99", "OUTPUT2", None)],
     "100.99", "0.00", "100.99"),
    ("jpy-excl", "Exclusive", "JPY", None, [("3", "1333", "OUTPUT2", None)],
     "3999", "800", "4799"),  # 3999 × .2 = 799.8 → 800
    ("jpy-tie", "Exclusive", "JPY", None, [("1", "1250", "TAX002", None)],
     "1250", "88", "1338"),  # 87.5 → 88
    ("jpy-incl", "Inclusive", "JPY", None, [("1", "1000", "TAX001", None)],
     "840", "160", "1000"),  # 1000 × 19/119 = 159.66 → 160
    ("unitdp4", "Exclusive", "EUR", 4, [("3", "1.2345", "OUTPUT2", None)],
     "3.70", "0.74", "4.44"),  # 3.7035 → 3.70; × .2 = 0.74
    ("unitdp2-rounds-unit", "Exclusive", "EUR", None, [("3", "1.2345", "OUTPUT2", None)],
     "3.69", "0.74", "4.43"),  # unit → 1.23; 3.69 × .2 = 0.738 → 0.74
    ("unitdp4-tie", "Exclusive", "EUR", 4, [("1000", "0.0125", "TAX001", None)],
     "12.50", "2.38", "14.88"),  # 12.50 × .19 = 2.375 → 2.38
    ("unitdp2-small-unit", "Exclusive", "EUR", None, [("1000", "0.0125", "TAX001", None)],
     "10.00", "1.90", "11.90"),  # unit 0.0125 → 0.01
    ("fractional-qty-tie", "Exclusive", "EUR", None, [("2.5", "19.99", "OUTPUT2", None)],
     "49.98", "10.00", "59.98"),  # 49.975 → 49.98; × .2 = 9.996 → 10.00
    ("credit-line", "Exclusive", "EUR", None,
     [("1", "100.00", "OUTPUT2", None), ("-1", "10.05", "OUTPUT2", None)],
     "89.95", "17.99", "107.94"),  # tax 20.00 − 2.01
    ("gbp-excl", "Exclusive", "GBP", None, [("1", "99.99", "OUTPUT2", None)],
     "99.99", "20.00", "119.99"),  # 19.998 → 20.00
]


def _lines(rows: list[tuple[str, str, str, str | None]]) -> list[LineItem]:
    return [line(q, u, tax, discount_rate=Decimal(d) if d else None) for q, u, tax, d in rows]


@pytest.mark.parametrize(("amount_types", "currency", "unitdp", "rows", "sub", "tax", "total"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_totals_match_hand_worked_figures(
        xero: XeroClient, tag: str, amount_types: str, currency: str,  # noqa: F811
        unitdp: int | None, rows: list[tuple[str, str, str, str | None]],
        sub: str, tax: str, total: str) -> None:
    options = {"unitdp": unitdp} if unitdp else {}
    invoice = sales_invoice(tag, _lines(rows), line_amount_types=LineAmountTypes(amount_types),
                            currency_code=getattr(CurrencyCode, currency))
    created = create(xero, invoice, **options).invoices[0]
    assert not created.has_errors, created.validation_errors
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal(sub), Decimal(tax), Decimal(total))
    assert created.sub_total + created.total_tax == created.total
    assert sum(li.tax_amount for li in created.line_items) == created.total_tax
    again = xero.accounting.get_invoice(xero.tenant_id, created.invoice_id, **options)
    assert again.invoices[0].total == Decimal(total)  # persisted, not just echoed


def test_unit_amount_shows_4dp_only_when_asked(xero: XeroClient, tag: str) -> None:  # noqa: F811
    created = create(xero, sales_invoice(tag, [line("3", "1.2345")]), unitdp=4).invoices[0]
    four = xero.accounting.get_invoice(xero.tenant_id, created.invoice_id, unitdp=4)
    two = xero.accounting.get_invoice(xero.tenant_id, created.invoice_id)
    assert four.invoices[0].line_items[0].unit_amount == Decimal("1.2345")
    assert two.invoices[0].line_items[0].unit_amount == Decimal("1.23")
    assert two.invoices[0].line_items[0].line_amount == Decimal("3.70")


def test_client_total_is_ignored_and_client_tax_amount_wins(xero: XeroClient,  # noqa: F811
                                                            tag: str) -> None:  # noqa: F811
    overridden = line("1", "100.00", tax_amount=Decimal("19.99"))
    created = create(xero, sales_invoice(tag, [overridden], total=Decimal("1.00"))).invoices[0]
    assert (created.total_tax, created.total) == (Decimal("19.99"), Decimal("119.99"))
