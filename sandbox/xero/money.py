"""Invoice arithmetic the way Xero does it, in Decimal.

- LineAmount = round(Quantity × UnitAmount × (100 − DiscountRate)/100) or
  round(Quantity × UnitAmount − DiscountAmount), to the currency's decimals.
- Tax is computed PER LINE and rounded: Exclusive `LineAmount × r/100`, Inclusive
  `LineAmount × r/(100 + r)`, NoTax 0. A TaxAmount sent by the client wins (spec).
- SubTotal and TotalTax are sums of the rounded lines; Exclusive Total = SubTotal + TotalTax,
  Inclusive Total = Σ LineAmount and SubTotal = Total − TotalTax.
- Ties: ROUND_HALF_UP (half away from zero). Xero's own tie rule is unverified.
- Zero-decimal currencies (JPY, …) round amounts to whole units; unit amounts keep 2 dp,
  or 4 dp with `unitdp=4`; quantities keep 4 dp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "XOF", "XAF",
                                     "UGX", "PYG", "RWF", "KMF", "GNF", "VUV", "XPF", "BIF",
                                     "DJF", "IDR"})
HUNDRED = Decimal(100)
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


def currency_decimals(code: str) -> int:
    return 0 if code in ZERO_DECIMAL_CURRENCIES else 2


def round_to(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal | None
    unit_amount: Decimal | None
    tax_rate: Decimal  # percent, e.g. Decimal("19")
    discount_rate: Decimal | None = None
    discount_amount: Decimal | None = None
    line_amount: Decimal | None = None  # only used when no unit amount is given
    tax_amount: Decimal | None = None  # client override


@dataclass(frozen=True)
class LineResult:
    quantity: Decimal
    unit_amount: Decimal
    line_amount: Decimal
    tax_amount: Decimal
    discount: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineResult, ...]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    total_discount: Decimal


def line_tax(line_amount: Decimal, rate: Decimal, line_amount_types: str, places: int) -> Decimal:
    if line_amount_types == "NoTax" or rate == 0:
        return round_to(Decimal(0), places)
    if line_amount_types == "Inclusive":
        return round_to(line_amount * rate / (HUNDRED + rate), places)
    return round_to(line_amount * rate / HUNDRED, places)


def compute_line(line: LineInput, line_amount_types: str, places: int, unit_dp: int
                 ) -> LineResult:
    quantity = round_to(line.quantity if line.quantity is not None else Decimal(1), 4)
    if line.unit_amount is None and line.line_amount is not None:
        unit = round_to(line.line_amount / quantity if quantity else line.line_amount, unit_dp)
    else:
        unit = round_to(line.unit_amount or Decimal(0), unit_dp)
    gross = quantity * unit
    if line.discount_rate:
        amount = round_to(gross * (HUNDRED - line.discount_rate) / HUNDRED, places)
    elif line.discount_amount:
        amount = round_to(gross - line.discount_amount, places)
    else:
        amount = round_to(gross, places)
    if line.tax_amount is not None and line_amount_types != "NoTax":
        tax = round_to(line.tax_amount, places)
    else:
        tax = line_tax(amount, line.tax_rate, line_amount_types, places)
    return LineResult(quantity, unit, amount, tax, round_to(gross, places) - amount)


def compute_totals(lines: Sequence[LineInput], line_amount_types: str, currency: str,
                   unit_dp: int = 2) -> Totals:
    places = currency_decimals(currency)
    results = tuple(compute_line(line, line_amount_types, places, unit_dp) for line in lines)
    zero = round_to(Decimal(0), places)
    amounts = sum((r.line_amount for r in results), zero)
    tax = sum((r.tax_amount for r in results), zero)
    discount = sum((r.discount for r in results), zero)
    if line_amount_types == "Inclusive":
        return Totals(results, amounts - tax, tax, amounts, discount)
    return Totals(results, amounts, tax, amounts + tax, discount)
