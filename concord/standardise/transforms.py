"""Field transforms named in sync specs, each a thin adapter over a normaliser.

A transform gets the raw value and the whole source row (VAT ids and phone numbers need
the row's country) and returns the canonical value, or raises ValidationError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from concord.errors import ValidationError
from concord.normalise.country import parse_country
from concord.normalise.currency import parse_currency
from concord.normalise.email import normalise_email
from concord.normalise.money import parse_money
from concord.normalise.percent import parse_percent
from concord.normalise.phone import normalise_phone
from concord.normalise.text import fit_length
from concord.normalise.timestamps import to_utc
from concord.normalise.trade_register import normalise_trade_register
from concord.normalise.vat import normalise_vat
from concord.spec.model import FieldSpec, ObjectSpec

Transform = Callable[[Any, Mapping[str, Any], FieldSpec, ObjectSpec], Any]


def _country_of(row: Mapping[str, Any], spec: FieldSpec) -> str | None:
    """The row's country as ISO alpha-2, or None when absent or unreadable.

    An unreadable country is reported by the country field itself; here it only means
    "no hint", so a VAT id with its own prefix still validates.
    """
    raw = row.get(spec.country_field) if spec.country_field else None
    if raw is None or not str(raw).strip():
        return None
    try:
        return parse_country(str(raw))
    except ValidationError:
        return None


def _text(value: Any, row: Mapping[str, Any], spec: FieldSpec, obj: ObjectSpec) -> Any:
    text = " ".join(str(value).split())
    if spec.max_length is not None:
        text = fit_length(text, spec.max_length, policy="refuse")
    return text


_FOLDED: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}


def _folded(table: Mapping[str, str]) -> dict[str, str]:
    """The table with folded keys, built once per table (not once per record)."""
    cached = _FOLDED.get(id(table))
    if cached is None or cached[0] is not table:  # holding `table` keeps its id unique
        if len(_FOLDED) > 256:  # specs loaded over and over (tests): start afresh
            _FOLDED.clear()
        cached = _FOLDED[id(table)] = (table, {k.casefold().strip(): v for k, v in table.items()})
    return cached[1]


def _value_table(value: Any, row: Mapping[str, Any], spec: FieldSpec, obj: ObjectSpec) -> Any:
    """Look a value up case- and space-insensitively; unknown values follow the spec."""
    assert spec.table is not None
    found = _folded(obj.value_tables[spec.table]).get(str(value).casefold().strip())
    if found is not None:
        return found
    if spec.unknown == "default":
        return spec.default
    raise ValidationError(
        f"{value!r} is not in value table {spec.table!r}", rule="value_table.unknown", value=value
    )


TRANSFORMS: dict[str, Transform] = {
    "text": _text,
    "email": lambda v, row, s, o: normalise_email(str(v)),
    "phone": lambda v, row, s, o: normalise_phone(str(v), default_region=_country_of(row, s)),
    "country": lambda v, row, s, o: parse_country(str(v)),
    "vat": lambda v, row, s, o: normalise_vat(str(v), country=_country_of(row, s)),
    "trade_register": lambda v, row, s, o: normalise_trade_register(str(v)),
    "value_table": _value_table,
    "owner": lambda v, row, s, o: str(v).strip(),
    "money": lambda v, row, s, o: parse_money(str(v)),
    "percent": lambda v, row, s, o: parse_percent(str(v)),
    "currency": lambda v, row, s, o: parse_currency(str(v)),
    "timestamp": lambda v, row, s, o: to_utc(v),
    "boolean": lambda v, row, s, o: str(v).strip().lower() in {"1", "true", "yes", "y", "ja"},
    # the source key of another object; the plan step turns it into the target's record id
    "reference": lambda v, row, s, o: str(v).strip(),
}
