"""Country spellings to ISO 3166-1 alpha-2 ('Deutschland', 'DEU', 'germany' -> 'DE').

Sources: pycountry's ISO 3166-1 data (alpha-2, alpha-3, name, official and common names)
and its gettext translations in German, French, Dutch, Italian and Spanish, which ship
with the package and work offline; plus a short table of everyday names ISO does not use
('UK', 'USA', 'Holland', 'England', 'Czech Republic', 'Turkey'), sports codes clerks take
for ISO ('GER', 'SUI', 'NED') and the vehicle codes of German address data ('D', 'A', 'F').
ISO codes always win: 'CH' is Switzerland, never the vehicle code of anything else.

Matching ignores case, accents, dots, hyphens, other punctuation, a leading 'the' and
repeated spaces ('the Netherlands' = 'Netherlands', 'Österreich' = 'osterreich'); German
names also match with umlauts written out ('Oesterreich', 'Daenemark'). A spelling two
countries share in different languages is refused as ambiguous rather than guessed.

Rules raised: ``country.empty``, ``country.unknown``, ``country.ambiguous``.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry

from concord.errors import ValidationError

_LANGUAGES = ("de", "fr", "nl", "it", "es")

ALIASES: dict[str, str] = {
    "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB", "Großbritannien": "GB",
    "Grossbritannien": "GB", "Grande-Bretagne": "GB", "Groot-Brittannië": "GB",
    "Engeland": "GB", "Angleterre": "GB",
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "America": "US", "Amerika": "US",
    "United States": "US", "United States of America": "US", "Etats-Unis d'Amérique": "US",
    "Holland": "NL", "Niederlande": "NL",
    "Czech Republic": "CZ", "Tschechische Republik": "CZ",
    "Turkey": "TR", "Türkei": "TR", "Turquie": "TR", "Turkije": "TR",
    "Russia": "RU", "Russland": "RU", "Russie": "RU", "Rusland": "RU",
    "South Korea": "KR", "Südkorea": "KR", "Ivory Coast": "CI", "Elfenbeinküste": "CI",
    "Macedonia": "MK", "Mazedonien": "MK", "Swaziland": "SZ", "Burma": "MM",
    "Cape Verde": "CV", "UAE": "AE", "Emirates": "AE", "Vatican": "VA", "Vatikan": "VA",
    # Sports codes clerks use for ISO alpha-3 (none of them is an ISO code).
    "GER": "DE", "SUI": "CH", "NED": "NL", "DEN": "DK", "POR": "PT", "GRE": "GR",
    # International vehicle registration codes, usual in German address data ('D-80331').
    "D": "DE", "A": "AT", "F": "FR", "I": "IT", "E": "ES", "B": "BE", "L": "LU", "P": "PT",
    "S": "SE", "N": "NO", "H": "HU", "FL": "LI",
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def fold(text: str) -> str:
    """The comparison form: no accents, case-folded, punctuation gone, 'the' dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    s = s.replace(".", "")
    s = re.sub(r"[^\w]+", " ", s)
    s = " ".join(s.split())
    return s[4:] if s.startswith("the ") else s


@lru_cache(maxsize=1)
def _index() -> dict[str, str | None]:
    """Folded spelling -> alpha-2; None where spellings of two countries collide.

    Built in priority order (codes, aliases, English, translations); a later, weaker
    spelling never overrides an earlier one, and only equal-priority clashes are ambiguous.
    """
    index: dict[str, str | None] = {}

    def add(level: dict[str, str | None], spelling: str, code: str) -> None:
        key = fold(spelling)
        if not key or key in index:
            return
        level[key] = code if level.get(key, code) == code else None

    countries = list(pycountry.countries)
    # Codes first: nothing may shadow 'DE' or 'AUT'.
    codes: dict[str, str | None] = {}
    for c in countries:
        add(codes, c.alpha_2, c.alpha_2)
        add(codes, c.alpha_3, c.alpha_2)
    index.update(codes)
    aliases: dict[str, str | None] = {}
    for spelling, code in ALIASES.items():
        add(aliases, spelling, code)
    index.update(aliases)
    names = [
        (c.alpha_2, n)
        for c in countries
        for n in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None))
        if n
    ]
    english: dict[str, str | None] = {}
    for code, name in names:
        add(english, name, code)
    index.update(english)
    translated: dict[str, str | None] = {}
    for lang in _LANGUAGES:
        cat = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                                  fallback=True)
        for code, name in names:
            local = cat.gettext(name)
            add(translated, local, code)
            if lang == "de":
                add(translated, local.translate(_UMLAUTS), code)
    index.update(translated)
    return index


@lru_cache(maxsize=4096)
def parse_country(text: str) -> str:
    """ISO 3166-1 alpha-2 code for a country code or name (see the module rules).

    Cached: a few dozen spellings repeat on every record, often several times a record
    (VAT ids and phone numbers are read in the record's country); refusals raise each time.
    """
    key = fold(str(text))
    if not key:
        raise ValidationError("country is empty", rule="country.empty", value=text)
    index = _index()
    if key not in index:
        raise ValidationError(f"{text!r} is not a known country", rule="country.unknown",
                              value=text)
    code = index[key]
    if code is None:
        raise ValidationError(f"{text!r} names more than one country",
                              rule="country.ambiguous", value=text)
    return code
