"""`invoices` and `invoice_lines`: what the accounting sync carries to Xero and QBO.

Meaning of the fields, for computing totals: a line's net is quantity x unit_price less
the line's `discount` percent; the invoice's `discount` is a percent off the sum of the
line nets; each line is taxed at its own `tax_rate` percent. Line prices are in the
invoice currency and written clean ('1234.56') except a small, recorded share; rates
and discounts come in the spellings of seeds/002 ('19%', '0.19', '19,0').
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from sandbox.platform.companies import CompanyRow
from sandbox.platform.context import Context
from sandbox.platform.countries import FX_FROM_EUR
from sandbox.platform.dirt import RATES
from sandbox.platform.draw import between, pick
from sandbox.platform.items import CatalogueItem
from sandbox.platform.spelling import (
    amount_variant,
    clean_amount,
    clean_percent,
    currency_variant,
    discount_variant,
    percent_invalid,
    percent_variant,
)

INVOICE_COLUMNS = ("id", "invoice_number", "company_id", "issue_date", "due_date", "currency",
                   "status", "discount", "created_at", "updated_at")
LINE_COLUMNS = ("id", "invoice_id", "line_no", "item_id", "description", "quantity",
                "unit_price", "tax_rate", "discount")
# Invoices per company row by customer status, as cumulative (threshold, count).
_PER_STATUS = {
    "customer": ((0.15, 0), (0.5, 1), (0.8, 2), (1.01, 3)),
    "former": ((0.3, 0), (0.7, 1), (1.01, 2)),
    "prospect": ((0.85, 0), (1.01, 1)),
    "lead": ((1.01, 0),),
}
_STATUS = ((0.06, "draft"), (0.40, "issued"), (0.95, "paid"), (1.01, "void"))
_PREVIOUS = {"paid": "issued", "issued": "draft", "void": "issued", "draft": "draft"}
_LINES = ((0.35, 1), (0.65, 2), (0.85, 3), (0.95, 4), (1.01, 5))
_FREE_TEXT = ("Sonderleistung lt. Absprache", "Schadenspauschale", "Fahrtkosten",
              "Mehrstunden Techniker", "Kraftstoffnachfüllung", "Entsorgung")
_QUANTITY = {"rental": ("1", "1", "2", "3", "5", "7", "14", "30"),
             "service": ("0.5", "1", "1", "1.5", "2", "4", "8"),
             "inventory": ("1", "2", "5", "10", "20", "50")}
_DISCOUNTS = ((0.85, 0), (0.92, 5), (0.97, 10), (0.99, 15), (1.01, 20))
_EPOCH_DAY0 = date(1970, 1, 1)


T = TypeVar("T")


def _step(rng: random.Random, table: tuple[tuple[float, T], ...]) -> T:
    u = rng.random()
    for limit, value in table:
        if u < limit:
            return value
    return table[-1][1]


class InvoiceWriter:
    def __init__(self, ctx: Context, catalogue: list[CatalogueItem]) -> None:
        self.ctx = ctx
        self.items = [i for i in catalogue if i.active] or catalogue
        self.invoices = ctx.sink("invoices")
        self.lines = ctx.sink("invoice_lines")
        self.next_invoice = 1
        self.next_line = 1

    def write(self, company: CompanyRow) -> None:
        rng = self.ctx.rng
        for _ in range(_step(rng, _PER_STATUS[company.status])):
            self._invoice(company)

    def _invoice(self, company: CompanyRow) -> None:
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        iid = self.next_invoice
        self.next_invoice += 1
        country = company.entity.country
        status = _step(rng, _STATUS)
        created_frac = company.created_frac + rng.random() * (1 - company.created_frac)
        day, _ = clock.local_parts(clock.at(created_frac))
        issued = _EPOCH_DAY0 + timedelta(days=day)
        term = pick(rng, (14, 14, 30, 30, 30, 60))
        issue_date = None if status == "draft" else issued.isoformat()
        due_date = None if status == "draft" else (issued + timedelta(days=term)).isoformat()
        if rng.random() < RATES["invoice_currency_spelling"]:
            currency = currency_variant(rng, company.currency)
            ctx.dirt.add("invoice_currency_spelling", iid)
        else:
            currency = company.currency
        rate = Decimal(pick(rng, (2, 3, 5))) if rng.random() < 0.08 else Decimal(0)
        if rng.random() < RATES["invoice_discount_spelling"]:
            discount = discount_variant(rng, rate)
            ctx.dirt.add("invoice_discount_spelling", iid)
        else:
            discount = clean_percent(rate)
        life = ctx.write_history(
            "invoices", iid, created_frac,
            {"status": status, "due_date": due_date},
            lambda: {"status": lambda r, cur: _PREVIOUS.get(cur, "draft"),
             "due_date": lambda r, cur: None if cur is None else
             (date.fromisoformat(cur) - timedelta(days=pick(r, (7, 14)))).isoformat()})
        self.invoices.add((iid, f"RE{issued.year}-{iid:07d}", company.id, issue_date, due_date,
                           currency, status, discount, clock.local_text(life.created),
                           clock.local_text(life.updated)))
        fx = FX_FROM_EUR[company.currency]
        for line_no in range(1, _step(rng, _LINES) + 1):
            self._line(iid, line_no, country.vat_standard, country.vat_reduced, fx)

    def _line(self, invoice_id: int, line_no: int, standard: Decimal, reduced: Decimal,
              fx: Decimal) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        lid = self.next_line
        self.next_line += 1
        if rng.random() < 0.92:
            item = pick(rng, self.items)
            item_id: int | None = item.id
            description = item.name
            quantity = pick(rng, _QUANTITY[item.item_type])
            price = item.price_eur * fx
            if rng.random() < 0.15:
                price = price * Decimal(between(rng, 80, 100)) / 100
            rate = reduced if item.reduced else standard
        else:
            item_id = None
            description = pick(rng, _FREE_TEXT)
            quantity = "1"
            price = Decimal(between(rng, 2000, 50000)) / 100
            rate = standard
        price = price.quantize(Decimal("0.01"))
        if rng.random() < RATES["line_price_format"]:
            unit_price = amount_variant(rng, price)
            ctx.dirt.add("line_price_format", lid)
        else:
            unit_price = clean_amount(price)
        u = rng.random()
        if u < RATES["line_tax_rate_invalid"]:
            tax_rate = percent_invalid(rng, rate)
            ctx.dirt.add("line_tax_rate_invalid", lid)
        elif u < RATES["line_tax_rate_invalid"] + RATES["line_tax_rate_spelling"]:
            tax_rate = percent_variant(rng, rate)
            ctx.dirt.add("line_tax_rate_spelling", lid)
        else:
            tax_rate = clean_percent(rate)
        disc = Decimal(_step(rng, _DISCOUNTS))
        if rng.random() < RATES["line_discount_spelling"]:
            discount = discount_variant(rng, disc)
            ctx.dirt.add("line_discount_spelling", lid)
        else:
            discount = clean_percent(disc)
        self.lines.add((lid, invoice_id, line_no, item_id, description, quantity, unit_price,
                        tax_rate, discount))
