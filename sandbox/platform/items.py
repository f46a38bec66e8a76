"""`items`: the rental catalogue (machines by size and period), services and consumables.

List prices are kept in EUR (the business is German); `tax_rate` is the German rate the
item carries (19, or 7 for food), typed in the mixed spellings of seeds/002.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandbox.platform import vocab
from sandbox.platform.context import Context
from sandbox.platform.dirt import RATES
from sandbox.platform.draw import between, pick
from sandbox.platform.spelling import (
    amount_variant,
    clean_amount,
    clean_percent,
    currency_variant,
    percent_invalid,
    percent_variant,
)

COLUMNS = ("id", "sku", "name", "description", "item_type", "unit_price", "currency",
           "tax_rate", "active", "created_at", "updated_at")
_KINDS = (("rental", vocab.RENTAL_ITEMS, "R"), ("service", vocab.SERVICE_ITEMS, "S"),
          ("inventory", vocab.INVENTORY_ITEMS, "V"))


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    id: int
    name: str
    item_type: str
    price_eur: Decimal
    reduced: bool
    active: bool


CATALOGUE_SHARE = 0.1  # the catalogue is entered in the window's first days


def item_count(scale: int) -> int:
    """A few hundred items for a small business, capped at a few thousand."""
    return max(300, min(3000, scale // 4))


def write_items(ctx: Context, count: int) -> list[CatalogueItem]:
    rng = ctx.rng
    sink = ctx.sink("items")
    catalogue: list[CatalogueItem] = []
    for i in range(count):
        iid = i + 1
        u = rng.random()
        item_type, table, prefix = _KINDS[0 if u < 0.6 else 1 if u < 0.85 else 2]
        base, sizes, lo, hi = pick(rng, table)
        size = pick(rng, sizes)
        name = f"{base} {size}"
        description = None
        if item_type == "rental":
            period = pick(rng, vocab.RENTAL_PERIODS)
            brand = pick(rng, vocab.RENTAL_BRANDS)
            name = f"{base} {size} ({period})"
            description = f"{brand} {base} {size}, {period}, inkl. Grundreinigung"
        elif rng.random() < 0.5:
            description = f"{base} {size}"
        price = Decimal(between(rng, lo * 100, hi * 100 + 1)) / 100
        if rng.random() < 0.5:
            price = price.quantize(Decimal(1))
        reduced = base in vocab.REDUCED_RATE_ITEMS
        active = rng.random() >= 0.06
        sku = f"{prefix}-{iid:05d}"

        if rng.random() < RATES["item_price_format"]:
            unit_price = amount_variant(rng, price)
            ctx.dirt.add("item_price_format", iid)
        else:
            unit_price = clean_amount(price)
        if rng.random() < RATES["item_currency_spelling"]:
            currency = currency_variant(rng, "EUR")
            ctx.dirt.add("item_currency_spelling", iid)
        else:
            currency = "EUR"
        rate = Decimal(7) if reduced else Decimal(19)
        u = rng.random()
        if u < RATES["item_tax_rate_invalid"]:
            tax_rate = percent_invalid(rng, rate)
            ctx.dirt.add("item_tax_rate_invalid", iid)
        elif u < RATES["item_tax_rate_invalid"] + RATES["item_tax_rate_spelling"]:
            tax_rate = percent_variant(rng, rate)
            ctx.dirt.add("item_tax_rate_spelling", iid)
        else:
            tax_rate = clean_percent(rate)

        life = ctx.write_history(
            "items", iid, (i + rng.random()) / count * CATALOGUE_SHARE,
            {"unit_price": unit_price, "active": int(active), "description": description},
            lambda p=price, n=name: {"unit_price": lambda r, cur: clean_amount(
                p * Decimal(between(r, 85, 100)) / 100),
             "active": lambda r, cur: 1 - cur,
             "description": lambda r, cur: None if cur else n})
        sink.add((iid, sku, name, description, item_type, unit_price, currency, tax_rate,
                  int(active), ctx.clock.local_text(life.created),
                  ctx.clock.local_text(life.updated)))
        catalogue.append(CatalogueItem(iid, name, item_type, price, reduced, active))
    return catalogue
