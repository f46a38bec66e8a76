"""Field values in one comparable form, and Salesforce values in the platform's terms.

Both systems spell one value many ways: Salesforce hands numbers back as JSON floats
(1234.5 for the Decimal('1234.50') we sent), people type '+49 89 123456' into a phone
field we wrote as '+4989123456', e-mails come back in any case, picklists match
case-insensitively. A value is therefore compared in its *canonical* form: the one the
platform's own standardisation produces (the spec's transform, with the record's country
for phone numbers and VAT ids). Two spellings of one value are no change, so a value
Concord wrote never comes back as an edit (no echo).

Writing a Salesforce value back to the platform inverts the transform (a value table's
reverse lookup, a fraction back to '19' percent, an instant back to naive local time) and
is accepted only if the platform's standardisation reads the written text back as the
same canonical value: the round trip is what keeps the next sync from seeing a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from concord.errors import ValidationError
from concord.normalise.timestamps import to_local_naive
from concord.ownership.spec import FieldOwnership

IDS = {"owner", "reference"}


@dataclass(frozen=True)
class Canonical:
    """A value in canonical form; `valid` is False when the transform refused it (the
    value is then its whitespace-collapsed text: comparable, never written back)."""

    value: Any
    valid: bool = True


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _transforms() -> Mapping[str, Any]:
    # Imported on first use: concord.standardise imports concord.spec.model, which may
    # import concord.ownership.spec to give ObjectSpec its ownership section.
    from concord.standardise.transforms import TRANSFORMS

    return TRANSFORMS


def salesforce_id(value: str) -> str:
    """Salesforce ids compare by their case-sensitive 15-character form (18 = 15 + checksum)."""
    return value[:15] if len(value) == 18 and value.isalnum() else value


def canonical(fo: FieldOwnership, obj: Any, value: Any, row: Mapping[str, Any]) -> Canonical:
    """The canonical form of a field's value from either system (or a stored baseline).

    `row` is the platform's source row (raw values): the country a phone number or VAT id
    is read in comes from it, as when the platform record is standardised.
    """
    if is_blank(value):
        return Canonical(None)
    t = fo.transform
    fspec = obj.fields[fo.name]
    if t in IDS:
        return Canonical(salesforce_id(str(value).strip()))
    if t == "value_table":
        values = {v.casefold().strip(): v for v in obj.value_tables[fspec.table].values()}
        found = values.get(str(value).casefold().strip())
        return Canonical(found) if found is not None else Canonical(" ".join(str(value).split()), False)
    if isinstance(value, float):  # Salesforce numbers arrive as JSON floats: no trailing zeros
        value = Decimal(repr(value)).normalize()
    if isinstance(value, Decimal):
        value = format(value, "f")
    try:
        return Canonical(_transforms()[t](value, row, fspec, obj))
    except ValidationError:
        return Canonical(" ".join(str(value).split()), False)


def standardised(fo: FieldOwnership, obj: Any, text: Any, row: Mapping[str, Any]) -> Canonical:
    """A platform column's raw text as the platform's standardisation reads it."""
    if is_blank(text):
        return Canonical(None)
    try:
        return Canonical(_transforms()[fo.transform](text, row, obj.fields[fo.name], obj))
    except ValidationError:
        return Canonical(" ".join(str(text).split()), False)


class NotWritableBack(ValueError):
    """A Salesforce value the platform cannot hold as it is (held, reported)."""


def platform_text(fo: FieldOwnership, value: Any, *, timezone: str) -> str | None:
    """A canonical value as the platform stores it (text), before the round-trip check."""
    if value is None:
        return None
    t = fo.transform
    if t == "value_table":
        assert fo.reverse is not None
        found = fo.reverse.get(str(value).casefold().strip())
        if found is None:
            raise NotWritableBack(f"Salesforce value {value!r} has no platform value")
        return found
    if t == "percent":  # the platform stores percentages: '19' means 19 %
        return format((Decimal(value) * 100).normalize(), "f")
    if t == "money":
        return format(Decimal(value), "f")
    if t == "boolean":
        return "1" if value else "0"
    if t == "timestamp" and isinstance(value, datetime):
        return to_local_naive(value, timezone)
    return str(value)


def to_platform(fo: FieldOwnership, obj: Any, value: Canonical, row: Mapping[str, Any], *,
                timezone: str = "Europe/Berlin") -> str | None:
    """What to write to the platform column so that it standardises back to `value`."""
    fspec = obj.fields[fo.name]
    if not value.valid:
        raise NotWritableBack(f"{value.value!r} is not a valid {fo.transform} value")
    if value.value is None and fspec.required:
        raise NotWritableBack(f"{fo.name} is required on the platform, Salesforce has none")
    text = platform_text(fo, value.value, timezone=timezone)
    back = standardised(fo, obj, text, row)
    if not back.valid or back.value != value.value:
        raise NotWritableBack(
            f"{text!r} would read back on the platform as {back.value!r}, not {value.value!r}")
    return text
