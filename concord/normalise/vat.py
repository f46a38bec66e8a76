"""VAT identification numbers in compact form with their prefix ('DE136695976').

Companies are matched across systems by VAT id first, so 'de 136.695.976',
'DE-136 695 976', 'USt-IdNr.: DE136695976' and '136695976' (for a German company) must all
become 'DE136695976'. Validation, check digits included, is python-stdnum's:
``stdnum.eu.vat`` for the EU member states and Northern Ireland ('XI'), ``stdnum.gb.vat``
for Great Britain, ``stdnum.ch.vat`` for Switzerland.

Canonical prefixes are the VAT prefixes, not always the ISO country: Greece is 'EL'
('GR...' input is accepted and rewritten), the UK 'GB', Switzerland 'CHE' with the
'MWST' suffix ('CHE116281710MWST'; the language variants 'TVA'/'IVA' name the same
registration and are rewritten to 'MWST', and a bare UID 'CHE-116.281.710' gets it
appended). A prefix in the text wins over the record's ``country``; the country is used
only when the text has no prefix (a German subsidiary may well sit at a Dutch address).

Rules raised: ``vat.empty``, ``vat.format`` (wrong length or characters, or no prefix and
no country), ``vat.checksum`` (check digits do not add up: a typo, quarantined),
``vat.unsupported_country`` (a country outside the EU, GB and CH).
"""

from __future__ import annotations

import contextlib
import re

from stdnum.ch import uid as ch_uid
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import vat as gb_vat

from concord.errors import ValidationError

# VAT prefix by ISO country, where they differ or are not EU members.
_PREFIX_OF_COUNTRY = {"GR": "EL", "GB": "GB", "CH": "CHE"}
_EU_PREFIXES = {p.upper() for p in eu_vat.MEMBER_STATES if p != "gr"} | {"EL"}
_LABEL = re.compile(
    r"^(?:ust\W*id\W*(?:nr)?|uid(?:\W*nr)?|vat(?:\W*(?:no|nr|number|id|reg))?|btw(?:\W*nr)?|"
    r"tva|iva|nif|mwst\W*nr)\W*",
    re.IGNORECASE,
)


def _prefix_of(country: str) -> str:
    code = country.strip().upper()
    prefix = _PREFIX_OF_COUNTRY.get(code, code)
    if prefix not in _EU_PREFIXES | {"GB", "CHE"}:
        raise ValidationError(
            f"VAT ids of country {country!r} are not supported (EU, GB and CH are)",
            rule="vat.unsupported_country",
            value=country,
        )
    return prefix


class _NoPrefix(StdnumError):
    message = "The number does not start with a known VAT prefix."


def _validate(compact: str) -> str:
    """The canonical id for a compact candidate starting with its prefix."""
    if compact.startswith("CHE"):
        number = compact[3:]
        suffix = next((s for s in ("MWST", "TVA", "IVA") if number.endswith(s)), None)
        if suffix is None:
            return ch_uid.validate(compact) + "MWST"
        return ch_vat.validate(compact[: -len(suffix)] + "MWST")
    if compact.startswith("GB"):
        return "GB" + gb_vat.validate(compact)
    if compact.startswith("GR"):
        compact = "EL" + compact[2:]
    if compact[:2] not in _EU_PREFIXES:
        raise _NoPrefix()
    valid = eu_vat.validate(compact)
    return "EL" + valid[2:] if valid.startswith("GR") else valid


def normalise_vat(text: str, *, country: str | None) -> str:
    """The compact, prefixed, check-digit-verified VAT id (see the module rules)."""
    s = _LABEL.sub("", str(text).strip())
    compact = re.sub(r"[\s.\-/:,]", "", s).upper()
    if not compact:
        raise ValidationError("VAT id is empty", rule="vat.empty", value=text)
    candidates: list[str] = []
    has_prefix = compact.startswith("CHE") or compact[:2] in _EU_PREFIXES | {"GB", "GR"}
    if has_prefix:
        candidates.append(compact)
    if country and not has_prefix:
        candidates.append(_prefix_of(country) + compact)
    elif country:
        # A prefix-looking start may be a French check key ('AT...'); try the country too.
        with contextlib.suppress(ValidationError):
            candidates.append(_prefix_of(country) + compact)
    if not candidates:
        raise ValidationError(
            f"{text!r} has no country prefix and the record has no country",
            rule="vat.format",
            value=text,
        )
    first_error: StdnumError | None = None
    for candidate in candidates:
        try:
            return _validate(candidate)
        except StdnumError as exc:
            first_error = first_error or exc
    assert first_error is not None
    if isinstance(first_error, InvalidChecksum):
        raise ValidationError(
            f"{text!r} has wrong check digits", rule="vat.checksum", value=text
        )
    raise ValidationError(
        f"{text!r} is not a VAT id: {first_error}", rule="vat.format", value=text
    )
