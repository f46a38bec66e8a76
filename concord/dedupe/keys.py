"""Dedupe keys: what a rule compares, derived from the standardised values by name.

A spec names the derivation per field (`normalise: {Name: company_name}`), so a tier such
as "normalised name + country" is configuration, not code. Every normaliser maps a value
to text; '' or None means "no key", and a record without a key for every field of a rule
is not matched by that rule (two companies without a name are not one company).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import get_args

from concord.normalise.names import company_match_key
from concord.spec.model import DedupeRule, KeyNormaliserName

KeyNormaliser = Callable[[object], str | None]


def _exact(value: object) -> str | None:
    return None if value is None else str(value)


def _casefold(value: object) -> str | None:
    return None if value is None else " ".join(str(value).split()).casefold()


def _company_name(value: object) -> str | None:
    return None if value is None else company_match_key(str(value))


KEY_NORMALISERS: dict[str, KeyNormaliser] = {
    "exact": _exact,
    "casefold": _casefold,
    "company_name": _company_name,
}
if set(KEY_NORMALISERS) != set(get_args(KeyNormaliserName)):  # pragma: no cover
    raise RuntimeError("concord.spec.model.KeyNormaliserName and KEY_NORMALISERS disagree")


def rule_key(rule: DedupeRule, fields: Mapping[str, object]) -> tuple[str, ...] | None:
    """The rule's key for one record's fields, or None when any part is missing."""
    parts = []
    for name in rule.fields:
        value = fields.get(name)
        key = None if value in (None, "") else KEY_NORMALISERS[rule.normalise.get(name, "exact")](value)
        if not key:
            return None
        parts.append(key)
    return tuple(parts)


def key_text(rule_name: str, key: Sequence[str]) -> str:
    """How a matched key is shown to a steward and kept in the ledger: 'name_country: muller bau | DE'."""
    return f"{rule_name}: {' | '.join(key)}"
