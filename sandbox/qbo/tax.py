"""Invoice arithmetic as QBO does it server-side: pure functions over Decimal.

Rules (sandbox/qbo/README.md, "Tax and rounding"):
- Sales lines are grouped by tax code. Tax is computed ONCE PER TAX RATE on the summed net of
  all lines carrying that rate, rounded half-up to the currency's minor unit (not per line).
- A percent discount is `subtotal × percent / 100`, rounded; an amount discount is taken as is.
  With `ApplyTaxAfterDiscount` (always on outside the US) the discount is spread over the tax
  codes in proportion to their net, each share rounded, the last code taking the remainder,
  so the discounted nets add up exactly.
- TaxExcluded: `TotalAmt = subtotal − discount + TotalTax`.
- TaxInclusive with `TaxInclusiveAmt` on the lines: the gross per code (after its share of a
  gross discount) is split as `tax = round(gross × R / (100 + R))`, `net = gross − tax`, where R
  is the sum of the code's rates; `TotalAmt` is exactly the gross total. Line `Amount`s are the
  nets, the last line of a code absorbing the rounding. Without `TaxInclusiveAmt`, QBO treats
  `Amount` as net whatever `GlobalTaxCalculation` says (ruckus/quickbooks-ruby #346).
- NotApplicable: no tax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.qbo.money import round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rate:
    rate_id: str
    percent: Decimal


@dataclass(frozen=True)
class SalesLine:
    """One sales line: `net` (Amount) or, for tax-inclusive entry, `gross` (TaxInclusiveAmt)."""

    code: str | None
    rates: tuple[Rate, ...] = ()
    net: Decimal | None = None
    gross: Decimal | None = None


@dataclass(frozen=True)
class Discount:
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class TaxLine:
    rate_id: str
    percent: Decimal
    net_taxable: Decimal
    amount: Decimal


@dataclass
class Totals:
    line_net: list[Decimal]
    line_gross: list[Decimal | None]
    subtotal: Decimal
    discounts: list[Decimal]
    tax_lines: list[TaxLine] = field(default_factory=list)
    total_tax: Decimal = ZERO
    total: Decimal = ZERO


def allocate(amount: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `amount` by weight, rounding each share; the last weighted share takes the rest."""
    whole = sum(weights, ZERO)
    if whole == 0 or amount == 0:
        return [ZERO for _ in weights]
    last = max(i for i, w in enumerate(weights) if w != 0)
    shares = [ZERO if i == last else round_money(amount * w / whole, currency)
              for i, w in enumerate(weights)]
    shares[last] = amount - sum(shares, ZERO)
    return shares


def _discount_amounts(discounts: list[Discount], base: Decimal, currency: str) -> list[Decimal]:
    out = []
    for d in discounts:
        if d.percent is not None:
            out.append(round_money(base * d.percent / HUNDRED, currency))
        else:
            out.append(round_money(d.amount or ZERO, currency))
    return out


def _groups(lines: list[SalesLine]) -> dict[str | None, list[int]]:
    groups: dict[str | None, list[int]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(line.code if line.rates else None, []).append(i)
    return groups


def compute(lines: list[SalesLine], discounts: list[Discount], *, mode: str, currency: str,
            apply_after_discount: bool = True) -> Totals:
    if mode == "TaxInclusive" and any(line.gross is not None for line in lines):
        return _inclusive(lines, discounts, currency)
    nets = [round_money(line.net or ZERO, currency) for line in lines]
    subtotal = sum(nets, ZERO)
    discount_amounts = _discount_amounts(discounts, subtotal, currency)
    discount = sum(discount_amounts, ZERO)
    totals = Totals(nets, [None] * len(lines), subtotal, discount_amounts)
    if mode == "NotApplicable":
        totals.total = subtotal - discount
        return totals
    groups = _groups(lines)
    keys = list(groups)
    group_net = [sum((nets[i] for i in groups[k]), ZERO) for k in keys]
    shares = allocate(discount, group_net, currency) if apply_after_discount \
        else [ZERO] * len(keys)
    taxable: dict[str, Decimal] = {}
    percent: dict[str, Decimal] = {}
    for k, net, share in zip(keys, group_net, shares, strict=True):
        if k is None:
            continue
        for rate in lines[groups[k][0]].rates:
            taxable[rate.rate_id] = taxable.get(rate.rate_id, ZERO) + net - share
            percent[rate.rate_id] = rate.percent
    for rate_id, base in taxable.items():
        amount = round_money(base * percent[rate_id] / HUNDRED, currency)
        totals.tax_lines.append(TaxLine(rate_id, percent[rate_id], base, amount))
    totals.total_tax = sum((t.amount for t in totals.tax_lines), ZERO)
    totals.total = subtotal - discount + totals.total_tax
    return totals


def _inclusive(lines: list[SalesLine], discounts: list[Discount], currency: str) -> Totals:
    gross = [round_money(line.gross if line.gross is not None else line.net or ZERO, currency)
             for line in lines]
    gross_total = sum(gross, ZERO)
    discount_amounts = _discount_amounts(discounts, gross_total, currency)
    discount = sum(discount_amounts, ZERO)
    groups = _groups(lines)
    keys = list(groups)
    group_gross = [sum((gross[i] for i in groups[k]), ZERO) for k in keys]
    shares = allocate(discount, group_gross, currency)
    nets: list[Decimal] = [ZERO] * len(lines)
    tax_by_rate: dict[str, Decimal] = {}
    taxable: dict[str, Decimal] = {}
    percent: dict[str, Decimal] = {}
    for k, g_gross, share in zip(keys, group_gross, shares, strict=True):
        members = groups[k]
        rates = lines[members[0]].rates if k is not None else ()
        total_rate = sum((r.percent for r in rates), ZERO)

        def tax_in(amount: Decimal, rate_sum: Decimal = total_rate) -> Decimal:
            return round_money(amount * rate_sum / (HUNDRED + rate_sum), currency)

        group_net = g_gross - tax_in(g_gross)
        line_nets = [round_money(gross[i] * HUNDRED / (HUNDRED + total_rate), currency)
                     for i in members]
        line_nets[-1] = group_net - sum(line_nets[:-1], ZERO)
        for i, net in zip(members, line_nets, strict=True):
            nets[i] = net
        after = g_gross - share
        tax_after = tax_in(after)
        net_after = after - tax_after
        split = [round_money(net_after * r.percent / HUNDRED, currency) for r in rates]
        if split:
            split[-1] = tax_after - sum(split[:-1], ZERO)
        for rate, amount in zip(rates, split, strict=True):
            tax_by_rate[rate.rate_id] = tax_by_rate.get(rate.rate_id, ZERO) + amount
            taxable[rate.rate_id] = taxable.get(rate.rate_id, ZERO) + net_after
            percent[rate.rate_id] = rate.percent
    totals = Totals(nets, list(gross), sum(nets, ZERO), discount_amounts)
    totals.tax_lines = [TaxLine(rid, percent[rid], taxable[rid], tax_by_rate[rid])
                        for rid in tax_by_rate]
    totals.total_tax = sum(tax_by_rate.values(), ZERO)
    totals.total = gross_total - discount
    return totals
