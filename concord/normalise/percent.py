"""Tax rates and discounts as a Decimal fraction (19 % -> Decimal('0.19')).

Sources spell the same rate '19%', '19 %', '19', '19,0', '0.19' or '0,19'. The rule:

- with a '%' sign the number is percent points: '19%' -> 0.19, '1%' -> 0.01, '8.1 %' -> 0.081;
- a bare number from 0 up to but excluding 1 is a fraction: '0.19' -> 0.19, '0,07' -> 0.07,
  '.5' -> 0.5, '0' -> 0 (so a bare '0.5' is 50 %, not half a percent: write '0.5 %');
- a bare number above 1 and up to 100 is percent points: '19' -> 0.19, '1.9' -> 0.019;
- a bare '1' (or '1.0') is refused (``percent.ambiguous``): it is 1 % or 100 % depending
  on the writer's habit, and either guess books the wrong tax;
- anything outside 0 %..100 % is refused (``percent.out_of_range``);
- a lone dash ('-', '–') is zero, as in an accountant's table ('no discount'); an empty
  value is refused (``percent.empty``) so the spec decides whether empty means 0.

'1.9' may be a typo for '19'; the number alone cannot tell. That is what ``allowed`` is
for: pass the rates the target system knows (e.g. ``{0, 0.07, 0.19}`` for German VAT) and
any other value is refused (``percent.unknown_rate``) instead of being booked.
Decimal separators are '.' or ','; thousands separators have no place in a percentage.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal

from concord.errors import ValidationError

_NUMBER = re.compile(r"^(?P<sign>[+\-\u2212])?\s*(?P<int>\d*)(?:[.,](?P<frac>\d+))?$")
_HUNDRED = Decimal(100)
_DASHES = {"-", "\u2013", "\u2014", "\u2212"}


def _canonical(value: Decimal) -> Decimal:
    """Drop trailing zeros so 0.190 prints as 0.19 (equal values compare equal anyway)."""
    return value.normalize() if value else Decimal(0)


def parse_percent(text: str, *, allowed: Collection[Decimal] | None = None) -> Decimal:
    """The rate in ``text`` as a fraction in [0, 1]; see the module docstring for the rule."""
    s = " ".join(str(text).split())
    if not s:
        raise ValidationError("percentage is empty", rule="percent.empty", value=text)
    if s in _DASHES:
        return Decimal(0)
    explicit = s.endswith("%")
    if explicit:
        s = s[:-1].rstrip()
    m = _NUMBER.match(s)
    if m is None or not (m["int"] or m["frac"]):
        raise ValidationError(f"{text!r} is not a percentage", rule="percent.syntax", value=text)
    number = Decimal(f"{m['int'] or '0'}.{m['frac'] or '0'}")
    if m["sign"] and m["sign"] != "+" and number:
        raise ValidationError(
            f"{text!r} is negative", rule="percent.out_of_range", value=text
        )
    if explicit:
        fraction = number / _HUNDRED
    elif number < 1:
        fraction = number
    elif number == 1:
        raise ValidationError(
            f"{text!r} is ambiguous: 1 % or 100 %? write '1%' or '100%'",
            rule="percent.ambiguous",
            value=text,
        )
    else:
        fraction = number / _HUNDRED
    if not 0 <= fraction <= 1:
        raise ValidationError(
            f"{text!r} is outside 0 %..100 %", rule="percent.out_of_range", value=text
        )
    fraction = _canonical(fraction)
    known_rates = None if allowed is None else {Decimal(str(a)) for a in allowed}
    if known_rates is not None and fraction not in known_rates:
        known = ", ".join(f"{_canonical(a * _HUNDRED):f}%" for a in sorted(known_rates))
        raise ValidationError(
            f"{text!r} ({_canonical(fraction * _HUNDRED):f} %) is not a known rate ({known})",
            rule="percent.unknown_rate",
            value=text,
        )
    return fraction
