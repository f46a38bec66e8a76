"""Currency spellings to ISO 4217 codes.

Platforms write 'EUR', 'eur', '€', 'Euro', 'US-Dollar', 'SFr.'; the ledgers want 'EUR',
'USD', 'CHF'. Lookup order, first hit wins:

1. the sync's own ``table`` (spelling -> code), so a spec can say that its '$' is CAD;
2. symbols that name several currencies ('¥' JPY/CNY, 'kr' SEK/NOK/DKK/ISK) are refused
   (``currency.ambiguous``): guessing would book money in the wrong currency;
3. the default table below. It maps '$' to USD: that is a *default*, the most common
   meaning in our customers' data, and a sync spec whose '$' means something else must
   override it in its table;
4. ISO 4217 codes and currency names in English, German, French and Dutch, from pycountry
   (names via its gettext catalogues, which ship with the package and work offline).

Matching ignores case, surrounding and repeated whitespace, dots and hyphens
('SFr.' = 'sfr', 'US-Dollar' = 'us dollar'). Unknown spellings raise ``currency.unknown``.
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import pycountry

from concord.errors import ValidationError

DEFAULT_TABLE: Mapping[str, str] = {
    "€": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "us$": "USD", "u$s": "USD", "us dollar": "USD", "dollar us": "USD",
    "£": "GBP", "pfund": "GBP", "pound": "GBP", "pounds": "GBP", "britisches pfund": "GBP",
    "fr": "CHF", "sfr": "CHF", "franken": "CHF", "chf": "CHF",
    "zł": "PLN", "zl": "PLN", "kč": "CZK", "ft": "HUF", "lei": "RON",
    "r$": "BRL", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD",
    "hk$": "HKD", "s$": "SGD", "jp¥": "JPY", "yen": "JPY", "円": "JPY",
    "cn¥": "CNY", "rmb": "CNY", "yuan": "CNY", "元": "CNY",
    "₹": "INR", "₽": "RUB", "₺": "TRY", "₩": "KRW", "₪": "ILS", "₴": "UAH",
}

AMBIGUOUS: Mapping[str, str] = {
    "¥": "JPY or CNY",
    "kr": "SEK, NOK, DKK or ISK",
    "dollar": "USD, CAD, AUD, ...",
    "dollars": "USD, CAD, AUD, ...",
    "franc": "CHF, XOF, XAF, ...",
}

_NAME_LANGUAGES = ("de", "fr", "nl")


def fold(text: str) -> str:
    """The comparison form of a spelling: NFKC, case-folded, no dots, hyphens as spaces."""
    s = unicodedata.normalize("NFKC", text).casefold().replace(".", "").replace("-", " ")
    return " ".join(s.split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str | None]:
    """Folded currency names (en/de/fr/nl) -> code; None where two currencies share one."""
    index: dict[str, str | None] = {}
    catalogues = [None] + [
        gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in _NAME_LANGUAGES
    ]
    for cur in pycountry.currencies:
        for cat in catalogues:
            key = fold(cat.gettext(cur.name) if cat else cur.name)
            index[key] = cur.alpha_3 if index.get(key, cur.alpha_3) == cur.alpha_3 else None
    return index


@lru_cache(maxsize=256)
def is_iso_code(code: str) -> bool:
    """True for an upper-case ISO 4217 alphabetic code pycountry knows."""
    return len(code) == 3 and code.isupper() and pycountry.currencies.get(alpha_3=code) is not None


def _checked(code: str, spelling: str) -> str:
    if not is_iso_code(code):
        raise ValueError(f"currency table maps {spelling!r} to {code!r}, not an ISO 4217 code")
    return code


def parse_currency(text: str, *, table: Mapping[str, str] | None = None) -> str:
    """The ISO 4217 code for a currency code, symbol or name (see the module rules)."""
    key = fold(text)
    if not key:
        raise ValidationError("currency is empty", rule="currency.empty", value=text)
    if table:
        for spelling, code in table.items():
            if fold(spelling) == key:
                return _checked(code, spelling)
    if key in AMBIGUOUS:
        raise ValidationError(
            f"{text!r} is ambiguous ({AMBIGUOUS[key]}); add it to the sync's currency table",
            rule="currency.ambiguous",
            value=text,
        )
    if key in DEFAULT_TABLE:
        return DEFAULT_TABLE[key]
    if is_iso_code(key.upper()):
        return key.upper()
    code = _names().get(key)
    if code is not None:
        return code
    if key in _names():
        raise ValidationError(
            f"{text!r} names more than one currency", rule="currency.ambiguous", value=text
        )
    raise ValidationError(f"{text!r} is not a known currency", rule="currency.unknown", value=text)


def is_currency_token(text: str, *, table: Mapping[str, str] | None = None) -> bool:
    """True when ``text`` reads as a currency, including ambiguous symbols such as '¥'.

    Lets the money parser accept '¥ 1200' as an amount while leaving the choice of
    currency to :func:`parse_currency` and the sync's table.
    """
    try:
        parse_currency(text, table=table)
    except ValidationError as exc:
        return exc.rule == "currency.ambiguous"
    return True
