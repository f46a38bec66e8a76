"""Amounts of money from platform text, and rounding to a currency's minor unit.

Platforms write amounts the way their users type them: '1.234,56' (German), '1,234.56'
(English), "1'234.56" (Swiss), '1 234,56' (French), with a currency symbol or code on
either side. We read the decimal separator from the text itself and refuse what cannot
be read without guessing: '1.234' is 1234 to a German and 1.234 to an Englishman, so it
is quarantined (``money.ambiguous_separator``) unless the source's convention is known
and passed as ``decimal_hint``. Amounts are ``Decimal``, never float.

Signs: a leading '-'/'+'/'−' (before or after the currency), an SAP-style trailing '-'
('12,50-') or accounting brackets ('(12.50)'); more than one is refused. Thousands
groups must have three digits ('12 50' is refused: two numbers or a typo, not 1250).
A currency token must read as a currency (``parse_currency`` with the sync's ``table``),
so '12abc' is refused instead of becoming 12.

Rules raised: ``money.empty``, ``money.syntax``, ``money.ambiguous_separator``,
``money.grouping`` (thousands groups not of three digits), ``currency.unknown``
(from :func:`round_money` / :func:`minor_units`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pycountry

from concord.errors import ValidationError
from concord.normalise.currency import is_currency_token

# Spaces people and spreadsheets put between thousands: space, NBSP, narrow NBSP, thin space.
_SPACES = " \u00a0\u202f\u2009"
_APOSTROPHES = "'\u2019"

# A currency token: a run of anything but digits, signs, separators and brackets, with an
# optional final dot ('€', 'EUR', 'US$', 'SFr.').
_TOKEN = r"[^\d\s+\-\u2212\u2013().,'\u2019]+\.?"
_SIGN = r"[+\-\u2212\u2013]"
_AMOUNT = re.compile(
    rf"""^(?P<s1>{_SIGN})?\s*
    (?:(?P<lead>{_TOKEN})\s*)?
    (?P<s2>{_SIGN})?\s*
    (?P<open>\()?\s*
    (?P<num>[\d.,'\u2019{_SPACES}]*?)
    \s*(?P<close>\))?
    \s*(?P<s3>-)?
    \s*(?P<trail>{_TOKEN})?
    \s*(?P<s4>-)?$""",
    re.VERBOSE,
)

# ISO 4217 minor units that differ from the usual two (ISO 4217 list, 2024). pycountry
# does not carry minor units, so the exceptions live here; everything else has 2.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
            "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}


def _refuse(message: str, rule: str, value: object) -> ValidationError:
    return ValidationError(message, rule=rule, value=value)


def split_amount_currency(
    text: str | int | Decimal,
    *,
    decimal_hint: str | None = None,
    table: Mapping[str, str] | None = None,
) -> tuple[Decimal, str | None]:
    """Split '€ 12,50' / '12,50 EUR' / '-12.5' into the amount and the currency token.

    The token is returned as written (stripped), not resolved: '$' means USD to one
    source and CAD to another, so resolving it is :func:`parse_currency`'s job with the
    sync's currency table.
    """
    if isinstance(text, bool | float):
        # A float has already lost the cents; refuse rather than propagate the error.
        raise TypeError("money must be given as text, int or Decimal, never float")
    if isinstance(text, int | Decimal):
        if not Decimal(text).is_finite():
            raise _refuse(f"{text!r} is not an amount", "money.syntax", text)
        return Decimal(text), None
    if not text.strip():
        raise _refuse("amount is empty", "money.empty", text)
    m = _AMOUNT.match(text.strip())
    if m is None or (m["lead"] and m["trail"]) or bool(m["open"]) != bool(m["close"]):
        raise _refuse(f"{text!r} is not an amount", "money.syntax", text)
    token = m["lead"] or m["trail"]
    if token is not None and not is_currency_token(token, table=table):
        raise _refuse(f"{text!r}: {token!r} is not a currency", "money.syntax", text)
    signs = [m[g] for g in ("s1", "s2", "s3", "s4", "open") if m[g]]
    if len(signs) > 1:
        raise _refuse(f"{text!r} has more than one sign", "money.syntax", text)
    negative = bool(signs) and signs[0] != "+"
    amount = _parse_number(m["num"].strip(), decimal_hint=decimal_hint, raw=text)
    return (-amount if negative else amount), token


def parse_money(
    text: str | int | Decimal,
    *,
    decimal_hint: str | None = None,
    table: Mapping[str, str] | None = None,
) -> Decimal:
    """The amount in ``text`` as a Decimal, any currency token stripped.

    ``decimal_hint`` (',' or '.') is the source's decimal separator; it is used only to
    resolve the ambiguous shape 'd[dd]<sep>ddd' ('1.234', '1,234'); text that shows its
    own convention ('1.234,56') is read as written.
    """
    return split_amount_currency(text, decimal_hint=decimal_hint, table=table)[0]


def _parse_number(s: str, *, decimal_hint: str | None, raw: object) -> Decimal:
    if decimal_hint not in (None, ",", "."):
        raise ValueError(f"decimal_hint must be ',' or '.', not {decimal_hint!r}")
    if not s or not re.fullmatch(r"[\d.,'\u2019 \u00a0\u202f\u2009]+", s) or not any(
        c.isdigit() for c in s
    ):
        raise _refuse(f"{raw!r} is not an amount", "money.syntax", raw)
    # Spaces and apostrophes only ever group thousands.
    for ch in _SPACES + _APOSTROPHES[1:]:
        s = s.replace(ch, "'")
    has_other_grouping = "'" in s
    dots, commas = s.count("."), s.count(",")
    decimal_sep: str | None
    if dots and commas:
        decimal_sep = "." if s.rfind(".") > s.rfind(",") else ","
    elif dots or commas:
        sep = "." if dots else ","
        if s.count(sep) > 1:
            decimal_sep = None  # '1.234.567': only grouping repeats
        else:
            int_part, frac_part = s.split(sep)
            ambiguous = (
                len(frac_part) == 3
                and not has_other_grouping
                and 1 <= len(int_part) <= 3
                and not int_part.startswith("0")
            )
            if ambiguous:
                if decimal_hint is None:
                    raise _refuse(
                        f"{raw!r} is ambiguous: {sep!r} may separate thousands or decimals",
                        "money.ambiguous_separator",
                        raw,
                    )
                decimal_sep = sep if decimal_hint == sep else None
            else:
                decimal_sep = sep
    else:
        decimal_sep = None
    if decimal_sep is not None:
        int_part, _, frac_part = s.rpartition(decimal_sep)
        if not frac_part.isdigit():
            raise _refuse(f"{raw!r} is not an amount", "money.syntax", raw)
    else:
        int_part, frac_part = s, ""
    groups = re.split(r"[.,']", int_part)
    well_grouped = len(set(re.findall(r"[.,']", int_part))) <= 1 and (
        1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    )
    if len(groups) > 1 and not well_grouped:
        raise _refuse(
            f"{raw!r} has thousands groups not of three digits", "money.grouping", raw
        )
    digits = "".join(groups)
    if not digits.isdigit() and not (digits == "" and frac_part):
        raise _refuse(f"{raw!r} is not an amount", "money.syntax", raw)
    return Decimal(f"{digits or '0'}.{frac_part}" if frac_part else digits)


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Digits after the decimal point for an ISO 4217 code (JPY 0, EUR 2, KWD 3)."""
    code = currency.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(
            f"{currency!r} is not an ISO 4217 currency code", rule="currency.unknown",
            value=currency,
        )
    return _MINOR_UNITS.get(code, 2)


def round_money(amount: Decimal | int, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded to the currency's minor unit, by an explicit rounding mode.

    Half-up is the commercial default (and Xero's per-line rounding); pass
    ``decimal.ROUND_HALF_EVEN`` where a ledger rounds to even.
    """
    if isinstance(amount, float | bool):
        raise TypeError("round_money takes Decimal or int, never float")
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(amount).quantize(exponent, rounding=rounding)
