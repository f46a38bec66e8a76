"""Server-side invoice arithmetic, worked by hand: tax once per rate on the summed net,
half-up to the currency's minor unit, discounts before tax, tax-inclusive entry, JPY."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.qbo_fixtures import *  # noqa: F403 - the sandbox fixtures
from tests.sandbox.qbo_fixtures import QboApi

# Default company: EUR home, multi-currency. Tax codes: 2=20%, 3=19%, 4=10%, 5=7%, 6=5.5%,
# 7=8.1%, 8=2.6%, 9=21%, 10=9%, 11=0%, 12=GST 5% + PST 8%. US company: TAX lines use the
# transaction code 2 (California 7.25% + Santa Clara County 1.75%).
# line: (qty, unit_price, code) | ("gross", TaxInclusiveAmt, code) | ("amt", Amount, code)
# discount: ("pct", percent) | ("amt", amount)
# expected: (subtotal, discount, TotalTax, TotalAmt)
CASES: list[tuple[str, dict[str, Any], list[tuple[Any, ...]], list[tuple[str, str]],
                  tuple[str, str, str, str]]] = [
    ("one-line-20", {}, [(1, "100.00", "2")], [], ("100.00", "0", "20.00", "120.00")),
    ("qty-3-at-19", {}, [(3, "19.99", "3")], [], ("59.97", "0", "11.39", "71.36")),
    ("summed-not-per-line", {}, [(1, "0.25", "4"), (1, "0.25", "4")], [],
     ("0.50", "0", "0.05", "0.55")),
    ("half-cent-rounds-up", {}, [(1, "0.25", "4")], [], ("0.25", "0", "0.03", "0.28")),
    ("seven-percent-half-up", {}, [(1, "12.50", "5")], [], ("12.50", "0", "0.88", "13.38")),
    ("two-rates", {}, [(2, "50.00", "2"), (1, "30.00", "6")], [],
     ("130.00", "0", "21.65", "151.65")),
    ("three-rates-with-zero", {}, [(1, "10.00", "3"), (1, "10.00", "5"), (1, "10.00", "11")],
     [], ("30.00", "0", "2.60", "32.60")),
    ("group-gst-pst", {}, [(1, "100.00", "12")], [], ("100.00", "0", "13.00", "113.00")),
    ("group-plus-vat", {}, [(1, "100.00", "12"), (1, "50.00", "2")], [],
     ("150.00", "0", "23.00", "173.00")),
    ("percent-discount", {}, [(1, "200.00", "2")], [("pct", "10")],
     ("200.00", "20.00", "36.00", "216.00")),
    ("amount-discount", {}, [(2, "40.00", "3")], [("amt", "15.00")],
     ("80.00", "15.00", "12.35", "77.35")),
    ("discount-spread-two-codes", {}, [(1, "100.00", "2"), (1, "50.00", "4")], [("pct", "10")],
     ("150.00", "15.00", "22.50", "157.50")),
    ("discount-remainder-last-code", {}, [(1, "10.00", "2"), (1, "10.00", "4"),
                                          (1, "10.00", "5")], [("amt", "1.00")],
     ("30.00", "1.00", "3.58", "32.58")),
    ("discount-half-cent", {}, [(1, "33.33", "2")], [("pct", "5")],
     ("33.33", "1.67", "6.33", "37.99")),
    ("fractional-qty", {}, [("2.5", "19.99", "3")], [], ("49.98", "0", "9.50", "59.48")),
    ("not-applicable", {"GlobalTaxCalculation": "NotApplicable"}, [(2, "25.00", None)], [],
     ("50.00", "0", "0", "50.00")),
    ("inclusive-19", {"GlobalTaxCalculation": "TaxInclusive"}, [("gross", "119.00", "3")], [],
     ("100.00", "0", "19.00", "119.00")),
    ("inclusive-thirds", {"GlobalTaxCalculation": "TaxInclusive"}, [("gross", "10.00", "2")],
     [], ("8.33", "0", "1.67", "10.00")),
    ("inclusive-summed", {"GlobalTaxCalculation": "TaxInclusive"},
     [("gross", "10.00", "2"), ("gross", "10.00", "2")], [], ("16.67", "0", "3.33", "20.00")),
    ("inclusive-discount", {"GlobalTaxCalculation": "TaxInclusive"}, [("gross", "110.00", "4")],
     [("pct", "10")], ("100.00", "11.00", "9.00", "99.00")),
    ("inclusive-two-codes", {"GlobalTaxCalculation": "TaxInclusive"},
     [("gross", "121.00", "9"), ("gross", "109.00", "10")], [],
     ("200.00", "0", "30.00", "230.00")),
    ("inclusive-amount-is-net", {"GlobalTaxCalculation": "TaxInclusive"},
     [("amt", "100.00", "2")], [], ("100.00", "0", "20.00", "120.00")),
    ("jpy", {"currency": "JPY"}, [(3, "333", "4")], [], ("999", "0", "100", "1099")),
    ("jpy-half-yen", {"currency": "JPY"}, [(1, "105", "4")], [], ("105", "0", "11", "116")),
    ("jpy-inclusive", {"currency": "JPY", "GlobalTaxCalculation": "TaxInclusive"},
     [("gross", "1100", "4")], [], ("1000", "0", "100", "1100")),
    ("jpy-discount", {"currency": "JPY"}, [(1, "999", "7")], [("pct", "10")],
     ("999", "100", "73", "972")),
    ("us-tax-and-non", {"us": True}, [(1, "100.00", "TAX"), (1, "50.00", "NON")], [],
     ("150.00", "0", "9.00", "159.00")),
    ("us-discount-before-tax-off", {"us": True}, [(1, "100.00", "TAX")], [("pct", "10")],
     ("100.00", "10.00", "9.00", "99.00")),
    ("us-apply-tax-after-discount", {"us": True, "ApplyTaxAfterDiscount": True},
     [(1, "100.00", "TAX")], [("pct", "10")], ("100.00", "10.00", "8.11", "98.11")),
]


def _line(spec: tuple[Any, ...]) -> dict[str, Any]:
    kind, value, code = spec
    detail: dict[str, Any] = {"ItemRef": {"value": "1"}}
    if code is not None:
        detail["TaxCodeRef"] = {"value": code}
    line: dict[str, Any] = {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}
    if kind == "gross":
        detail["TaxInclusiveAmt"] = float(value) if "." in value else int(value)
    elif kind == "amt":
        line["Amount"] = float(value)
    else:
        detail["Qty"] = float(kind) if isinstance(kind, str) else kind
        detail["UnitPrice"] = float(value)
    return line


def _discount(spec: tuple[str, str]) -> dict[str, Any]:
    kind, value = spec
    if kind == "pct":
        return {"DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": float(value)}}
    return {"DetailType": "DiscountLineDetail", "Amount": float(value),
            "DiscountLineDetail": {"PercentBased": False}}


@pytest.mark.parametrize(("case", "options", "lines", "discounts", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_invoice_totals(qbo: QboApi, qbo_us: QboApi, case: str, options: dict[str, Any],
                        lines: list[tuple[Any, ...]], discounts: list[tuple[str, str]],
                        expected: tuple[str, str, str, str]) -> None:
    api = qbo_us if options.get("us") else qbo
    customer = api.customer(f"Math {case} {id(options)}", options.get("currency"))
    body: dict[str, Any] = {"CustomerRef": {"value": customer["Id"]},
                            "Line": [_line(s) for s in lines] + [_discount(d) for d in discounts]}
    for key in ("GlobalTaxCalculation", "ApplyTaxAfterDiscount"):
        if key in options:
            body[key] = options[key]
    if options.get("us"):
        body["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": "2"}}
    response = api.post("invoice", body)
    assert response.status_code == 200, response.text
    # parse with Decimal: the totals must be exact on the wire, not merely close as floats
    invoice = response.json(parse_float=Decimal)["Invoice"]
    subtotal, discount, total_tax, total = (Decimal(v) for v in expected)
    sub_line = next(li for li in invoice["Line"] if li["DetailType"] == "SubTotalLineDetail")
    assert Decimal(sub_line["Amount"]) == subtotal
    disc = sum((Decimal(li["Amount"]) for li in invoice["Line"]
                if li["DetailType"] == "DiscountLineDetail"), Decimal(0))
    assert disc == discount
    assert Decimal(invoice["TxnTaxDetail"]["TotalTax"]) == total_tax
    assert Decimal(invoice["TotalAmt"]) == total
    assert Decimal(invoice["Balance"]) == total
    tax_lines = invoice["TxnTaxDetail"].get("TaxLine", [])
    assert sum((Decimal(t["Amount"]) for t in tax_lines), Decimal(0)) == total_tax
    sales = [li for li in invoice["Line"] if li["DetailType"] == "SalesItemLineDetail"]
    assert sum((Decimal(li["Amount"]) for li in sales), Decimal(0)) == subtotal


def test_jpy_invoice_has_home_total_in_eur(qbo: QboApi) -> None:
    customer = qbo.customer(f"Yen buyer {id(qbo)}", "JPY")
    invoice = qbo.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [
        _line((3, "333", "4"))]})
    assert invoice["CurrencyRef"]["value"] == "JPY"
    assert Decimal(str(invoice["ExchangeRate"])) == Decimal("0.0062")  # EUR per 1 JPY
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("1099")
    assert Decimal(str(invoice["HomeTotalAmt"])) == Decimal("6.81")  # 1099 × 0.0062 = 6.8138


def test_given_exchange_rate_is_home_units_per_foreign_unit(qbo: QboApi) -> None:
    customer = qbo.customer(f"Dollar buyer {id(qbo)}", "USD")
    invoice = qbo.create("Invoice", {"CustomerRef": {"value": customer["Id"]},
                                     "ExchangeRate": 0.925, "Line": [_line((1, "100.00", "2"))]})
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("120.00")
    assert Decimal(str(invoice["HomeTotalAmt"])) == Decimal("111.00")


def test_amount_must_equal_qty_times_unit_price(qbo: QboApi) -> None:
    customer = qbo.customer(f"Picky {id(qbo)}")
    line = _line((2, "10.00", "2"))
    line["Amount"] = 25.0
    response = qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_wire_amounts_keep_two_decimals(qbo: QboApi) -> None:
    customer = qbo.customer(f"Wire {id(qbo)}")
    response = qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]},
                                    "Line": [_line((1, "337.5", "2"))]})
    assert '"TotalAmt":405.00' in response.text
    assert '"UnitPrice":337.5' in response.text
