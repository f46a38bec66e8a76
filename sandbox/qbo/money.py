"""Money as Decimal: per-currency minor units and QBO's half-up rounding.

QBO rounds half-up (0.005 -> 0.01) to the currency's minor unit; zero-decimal currencies
(JPY, KRW, ...) round to whole units.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "HUF", "TWD", "UGX"})

CURRENCY_NAMES = {
    "EUR": "Euro", "USD": "United States Dollar", "GBP": "British Pound Sterling",
    "CHF": "Swiss Franc", "JPY": "Japanese Yen", "CAD": "Canadian Dollar",
    "AUD": "Australian Dollar", "SEK": "Swedish Krona", "DKK": "Danish Krone",
    "NOK": "Norwegian Krone", "PLN": "Polish Zloty", "CZK": "Czech Koruna",
}


def minor_digits(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def round_money(value: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-minor_digits(currency))
    return value.quantize(exponent, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number (parsed as Decimal/int) or numeric string; None when not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def plain(value: Decimal) -> Decimal:
    """Quantities and unit prices are echoed without trailing zeros (`75`, `4.5`)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
