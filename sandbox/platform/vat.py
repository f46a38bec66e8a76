"""VAT ids that pass (or, as dirt, fail) the national check-digit rules, and register numbers.

Numbers are built from random digits plus the country's own check digit, so clean rows
validate with python-stdnum (`stdnum.eu.vat` for EU members, `stdnum.gb.vat`,
`stdnum.ch.vat`) and a dedupe on VAT id has something real to work with.
"""

from __future__ import annotations

import random

from stdnum import luhn
from stdnum.at import uid as at_uid
from stdnum.ch import uid as ch_uid
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from stdnum.iso7064 import mod_11_10

from sandbox.platform.draw import between, pick

_GB_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


def _digits(rng: random.Random, n: int) -> str:
    return str(between(rng, 10 ** (n - 1), 10**n))


def make_vat_id(rng: random.Random, country: str) -> str | None:
    """A valid VAT id in its canonical compact form; None where there is none (US)."""
    if country == "DE":
        body = _digits(rng, 8)
        return "DE" + body + mod_11_10.calc_check_digit(body)
    if country == "AT":
        body = "U" + _digits(rng, 7)
        return "AT" + body + at_uid.calc_check_digit(body)
    if country == "NL":
        while True:
            body = _digits(rng, 8)
            check = (sum((9 - i) * int(d) for i, d in enumerate(body))) % 11
            if check < 10:
                return f"NL{body}{check}B{between(rng, 1, 4):02d}"
    if country == "FR":
        body = _digits(rng, 8)
        siren = body + luhn.calc_check_digit(body)
        return f"FR{int(siren + '12') % 97:02d}{siren}"
    if country == "GB":
        body = _digits(rng, 7)
        s = sum(w * int(d) for w, d in zip(_GB_WEIGHTS, body, strict=True))
        return f"GB{body}{(-s) % 97:02d}"
    if country == "CH":
        while True:
            body = _digits(rng, 8)
            check = ch_uid.calc_check_digit(body)
            if check != "10":
                return f"CHE-{body[:3]}.{body[3:6]}.{body[6:]}{check} MWST"
    return None


def is_valid_vat(number: str, country: str) -> bool:
    """Validate with the national rule; a missing country prefix is taken from `country`."""
    compact = "".join(ch for ch in number.upper() if ch.isalnum())
    if country == "CH":
        if not compact.startswith("CHE"):
            compact = "CHE" + compact
        return bool(ch_vat.is_valid(compact))
    if not compact.startswith(country):
        compact = country + compact
    if country == "GB":
        return bool(gb_vat.is_valid(compact))
    return bool(eu_vat.is_valid(compact))


def corrupt_vat_id(rng: random.Random, vat_id: str, country: str) -> str:
    """The same id with one digit mistyped so that its check digit no longer matches."""
    positions = [i for i, ch in enumerate(vat_id) if ch.isdigit()]
    while True:
        i = pick(rng, positions[-4:])
        wrong = str((int(vat_id[i]) + between(rng, 1, 10)) % 10)
        candidate = vat_id[:i] + wrong + vat_id[i + 1 :]
        if not is_valid_vat(candidate, country):
            return candidate


def vat_variant(rng: random.Random, vat_id: str, country: str) -> str:
    """How a clerk types a VAT id: with spaces, in lower case, without the prefix."""
    if country == "CH":
        digits = "".join(ch for ch in vat_id if ch.isdigit())
        return pick(rng, (f"CHE{digits}MWST", vat_id.lower(), f"CHE {digits} MWST",
                           f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]} mwst"))
    prefix, rest = vat_id[:2], vat_id[2:]
    grouped = " ".join(rest[i : i + 3] for i in range(0, len(rest), 3))
    return pick(rng, (f"{prefix} {grouped}", vat_id.lower(), rest, f"{prefix.lower()} {rest}",
                       f"{prefix}-{rest}"))


def make_trade_register(rng: random.Random, country: str, legal_form: str, court: str,
                        vat_id: str | None) -> str | None:
    """A register entry as printed on a German letterhead: 'HRB 12345, Amtsgericht Köln'."""
    if country == "DE":
        if legal_form == "e.K." and rng.random() < 0.5:
            return None
        section = "HRA" if legal_form.endswith("KG") or legal_form == "e.K." else "HRB"
        return f"{section} {between(rng, 1000, 250000)}, {court}"
    if country == "AT":
        return f"FN {between(rng, 10000, 600000)}{pick(rng, 'abdfgkmpstvwxyz')}, {court}"
    if country == "CH" and vat_id:
        return vat_id.replace(" MWST", "")
    if country == "NL":
        return f"KvK {between(rng, 10000000, 99999999)}"
    if country == "FR" and vat_id:
        siren = vat_id[4:]
        return f"{court} {siren[:3]} {siren[3:6]} {siren[6:]}"
    if country == "GB":
        return f"Company No. {between(rng, 1000000, 15000000):08d}"
    if country == "US":
        return None if rng.random() < 0.6 else f"File No. {between(rng, 1000000, 9999999)}"
    return None
