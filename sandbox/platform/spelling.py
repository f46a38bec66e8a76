"""How people type values into an old platform: the clean form and its variants.

Every function here returns text. The clean form is what a careful clerk would type
(ISO codes, '1234.56', percentages as '19'); the variants are the spellings the
standardiser must map (seeds/002: "mixed spellings need a mapping table"), and the
invalid forms are what it must quarantine rather than guess.
"""

from __future__ import annotations

import random
from decimal import Decimal

from sandbox.platform.countries import CURRENCY_SPELLINGS
from sandbox.platform.draw import between, pick

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss", "é": "e", "è": "e", "ê": "e", "É": "E", "à": "a",
                          "â": "a", "ç": "c", "ô": "o", "î": "i", "Î": "I", "û": "u",
                          "ë": "e", "ï": "i"})


def transliterate(text: str) -> str:
    return text.translate(_UMLAUTS)


def slug(text: str) -> str:
    """Lower-case ASCII for domains and mailboxes: 'Müller & Söhne' -> 'mueller-soehne'."""
    out = []
    for ch in transliterate(text).lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def clean_amount(value: Decimal) -> str:
    return f"{value:.2f}"


def amount_variant(rng: random.Random, value: Decimal) -> str:
    """The same amount as a German or English clerk writes it; never the clean text."""
    whole, frac = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}"
    choices = [f"{grouped.replace(',', '.')},{frac}", f"{whole},{frac}"]
    if int(whole) >= 1000:
        choices.append(f"{grouped}.{frac}")
    if frac == "00":
        choices.append(whole)
    return pick(rng, choices)


def clean_percent(rate: Decimal) -> str:
    """'19', '8.1', '5.5', '0': a percentage, as the platform's numeric field shows it."""
    return f"{rate.normalize():f}"


def percent_variant(rng: random.Random, rate: Decimal) -> str:
    """'19%', '19 %', '0.19', '19,0', '0,07' and friends; parseable, but not clean."""
    plain = clean_percent(rate)
    comma = plain.replace(".", ",") if "." in plain else plain + ",0"
    fraction = f"{(rate / 100).normalize():f}"
    if rate == 0:
        return pick(rng, ("0%", "0 %", "0,0", "0.00"))
    return pick(rng, (f"{plain}%", f"{plain} %", fraction, comma, fraction.replace(".", ","),
                       f"{comma} %"))


def percent_invalid(rng: random.Random, rate: Decimal) -> str:
    """What the standardiser must quarantine: garbage, or a shifted decimal point."""
    choices = ["abc", "", "MwSt", "voll", "n/a"]
    if rate >= 1:
        choices.append(f"{(rate / 10).normalize():f}")  # '1.9' for 19: ambiguous
    return pick(rng, choices)


def discount_variant(rng: random.Random, rate: Decimal) -> str:
    if rate == 0:
        return pick(rng, ("", "0%", "0,0", "-"))
    return percent_variant(rng, rate)


def currency_variant(rng: random.Random, code: str) -> str:
    return pick(rng, CURRENCY_SPELLINGS[code])


def invalid_email(rng: random.Random, local: str, domain: str) -> str:
    """Addresses typed wrong: 'max.mustermann@', 'info at firma.de', 'a@b'."""
    host = domain.split(".")[0]
    return pick(rng, (
        f"{local}@", f"{local} at {domain}", f"{local}@{host}", f"{local}@@{domain}",
        f"{local[:2]} {local[2:]}@{domain}", f"{local}@{domain.replace('.', ',')}",
        f"{local}.{domain}", f"@{domain}",
    ))


def case_variant(rng: random.Random, email: str) -> str:
    """The same address in another case or with stray whitespace; never identical."""
    local, _, domain = email.partition("@")
    options = (
        f"{local.title()}@{domain}", email.upper(), f" {email}", f"{email} ",
        f"{local.capitalize()}@{domain.capitalize()}", f"{local}@{domain.upper()}",
    )
    for candidate in rng.sample(options, len(options)):
        if candidate != email:
            return candidate
    return f" {email}"


def typo(rng: random.Random, text: str) -> str:
    """One slip of the finger: swapped, dropped or doubled letter."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text + text[-1:]
    i = pick(rng, letters[1:-1])
    kind = between(rng, 0, 3)
    if kind == 0 and text[i + 1 : i + 2].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]
