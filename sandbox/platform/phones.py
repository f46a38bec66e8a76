"""Phone numbers the way each market writes them ('089/1234567', '(212) 555-0142').

Numbers are built from real dialling codes so a phone-number library recognises them;
only the formatting varies, which is exactly what a standardiser has to see through.
"""

from __future__ import annotations

import random

from sandbox.platform.countries import Country
from sandbox.platform.draw import between, pick

_MOBILE = {"DE": ("0151", "0160", "0170", "0171", "0176"), "AT": ("0664", "0676", "0699"),
           "CH": ("079", "078", "076"), "NL": ("06",), "FR": ("06", "07"),
           "GB": ("07700", "07911", "07480", "07826"), "US": ()}
INVALID_PHONES = ("n/a", "0", "-", "siehe Website", "tbd", "1234", "keine", "+49")


def subscriber(rng: random.Random, country: Country, area: str) -> str:
    code = country.code
    if code in ("DE", "AT"):
        n = max(6, 10 - len(area))
    elif code in ("CH", "NL", "US"):
        n = 7
    elif code == "FR":
        n = 8
    else:  # GB: London numbers are 8 digits after 020, others 7
        n = 8 if area == "020" else 7
    if code == "GB" and area == "020":
        return str(between(rng, 7 * 10 ** (n - 1), 8 * 10 ** (n - 1)))
    return str(between(rng, 2 * 10 ** (n - 1), 10**n))


def format_phone(rng: random.Random, country: Country, area: str, sub: str) -> str:
    code, dial = country.code, country.dial
    trunkless = area[1:] if area.startswith("0") else area
    if code in ("DE", "AT"):
        grouped = " ".join(sub[i : i + 2] for i in range(0, len(sub), 2))
        return pick(rng, (f"+{dial} {trunkless} {sub}", f"{area} {sub}", f"{area}/{sub}",
                           f"({area}) {grouped}", f"+{dial} (0){trunkless} {sub}",
                           f"00{dial} {trunkless} {sub}", f"{area}-{sub}"))
    if code == "CH":
        parts = f"{sub[:3]} {sub[3:5]} {sub[5:]}"
        return pick(rng, (f"+41 {trunkless} {parts}", f"{area} {parts}",
                           f"0041 {trunkless} {sub}"))
    if code == "NL":
        return pick(rng, (f"+31 {trunkless} {sub[:3]} {sub[3:]}", f"{area}-{sub}",
                           f"{area} {sub[:3]} {sub[3:]}"))
    if code == "FR":
        pairs = [sub[i : i + 2] for i in range(0, 8, 2)]
        return pick(rng, (f"{area} {' '.join(pairs)}", f"+33 {trunkless} {' '.join(pairs)}",
                           f"{area}.{'.'.join(pairs)}"))
    if code == "GB":
        split = 4 if len(sub) == 8 else 3
        local = f"{sub[:split]} {sub[split:]}"
        return pick(rng, (f"{area} {local}", f"+44 {trunkless} {local}", f"({area}) {local}"))
    return pick(rng, (f"({area}) {sub[:3]}-{sub[3:]}", f"{area}-{sub[:3]}-{sub[3:]}",
                       f"+1 {area} {sub[:3]} {sub[3:]}", f"{area}.{sub[:3]}.{sub[3:]}"))


def mobile_phone(rng: random.Random, country: Country, area: str) -> str:
    prefixes = _MOBILE[country.code]
    if not prefixes:
        return format_phone(rng, country, area, subscriber(rng, country, area))
    prefix = pick(rng, prefixes)
    n = {"DE": 7, "AT": 7, "CH": 7, "NL": 8, "FR": 8}.get(country.code, 11 - len(prefix))
    digits = str(between(rng, 10 ** (n - 1), 10**n))
    if country.code in ("DE", "AT"):
        return pick(rng, (f"{prefix} {digits}", f"{prefix}/{digits}",
                           f"+{country.dial} {prefix[1:]} {digits}"))
    if country.code == "FR":
        pairs = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
        return pick(rng, (f"{prefix} {pairs}", f"+33 {prefix[1:]} {pairs}"))
    if country.code == "NL":
        return pick(rng, (f"{prefix}-{digits}", f"+31 6 {digits}"))
    return pick(rng, (f"{prefix} {digits}", f"+{country.dial} {prefix[1:]} {digits}"))
