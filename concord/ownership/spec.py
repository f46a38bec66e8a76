"""Field ownership: which system leads each mapped field, and what a conflict does.

In YAML, under an object of a sync spec:

```yaml
ownership:
  default: platform            # leader of every field not named in `leads`
  on_conflict: leader_wins     # or `review`: hold the field until a steward decides
  leads: {Phone: salesforce, Website: salesforce}
  writeback: {Phone: phone}    # platform column per Salesforce-led field (default: its `from`)
  reverse_tables:              # value table -> {Salesforce value: platform value}
    customer_status: {Former Customer: former}
```

A Salesforce-led field is written back to one platform column of the object's own table.
That is only possible when the field's transform can be inverted: a value table needs a
one-to-one reverse (derived when the table is one-to-one, else given), and owners and
references are ids of the target system that the platform does not store (a Salesforce
user is not a sales rep; an Account id is not a company id), so they are refused. A
column fetched by a lookup belongs to another table and is refused too.

This module imports nothing of `concord.spec` at run time, so `concord/spec/model.py` can
import it to give `ObjectSpec` an `ownership` section (see `resolve_ownership`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from concord.spec.model import ObjectSpec

System = Literal["platform", "salesforce"]
ConflictRule = Literal["leader_wins", "review"]
SYSTEMS: tuple[System, System] = ("platform", "salesforce")

# Transforms whose target value is an id of the target system: nothing to write back.
NOT_WRITABLE_BACK = {
    "owner": "a Salesforce user id is not a platform sales rep; let the platform lead it",
    "reference": "a Salesforce record id is not a platform key; let the platform lead it",
}


def other_system(system: System) -> System:
    return "salesforce" if system == "platform" else "platform"


class OwnershipSpec(BaseModel):
    """The `ownership` section of one object in a sync spec (all optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    default: System = "platform"
    leads: dict[str, System] = Field(default_factory=dict, description="field -> leading system")
    on_conflict: ConflictRule = "leader_wins"
    writeback: dict[str, str] = Field(
        default_factory=dict, description="Salesforce-led field -> platform column (default: from)")
    reverse_tables: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="value table -> {Salesforce value: platform value}")

    @model_validator(mode="after")
    def _writeback_for_salesforce_led(self) -> OwnershipSpec:
        for fname in self.writeback:
            if self.leader(fname) != "salesforce":
                raise ValueError(f"writeback names {fname}, which Salesforce does not lead")
        return self

    def leader(self, field_name: str) -> System:
        return self.leads.get(field_name, self.default)


@dataclass(frozen=True)
class FieldOwnership:
    """One mapped field as the three-way diff needs it."""

    name: str
    leader: System
    transform: str
    column: str | None = None  # platform column it can be written back to (always, if SF leads)
    reverse: Mapping[str, str] | None = None  # value tables: casefolded SF value -> platform value


@dataclass(frozen=True)
class Ownership:
    """An object's ownership, checked against its fields: what the diff runs on."""

    fields: Mapping[str, FieldOwnership]
    on_conflict: ConflictRule
    obj: Any = field(default=None, compare=False, repr=False)  # the ObjectSpec (transforms)

    def led_by(self, system: System) -> list[str]:
        return [f.name for f in self.fields.values() if f.leader == system]

    @property
    def columns(self) -> dict[str, str]:
        """Salesforce-led field -> the platform column it is written back to."""
        return {f.name: f.column for f in self.fields.values()
                if f.leader == "salesforce" and f.column is not None}


def _reverse_table(table_name: str, table: Mapping[str, str],
                   given: Mapping[str, str] | None) -> dict[str, str]:
    """casefolded Salesforce value -> platform value, checked to invert the forward table."""
    forward = {k.casefold().strip(): v for k, v in table.items()}
    if given is not None:
        out: dict[str, str] = {}
        for sf_value, platform_value in given.items():
            if forward.get(platform_value.casefold().strip()) != sf_value:
                raise ValueError(
                    f"reverse_tables.{table_name}: {platform_value!r} does not map to "
                    f"{sf_value!r} in value table {table_name!r}, so it would not read back "
                    "as the Salesforce value")
            out[sf_value.casefold().strip()] = platform_value
        missing = sorted({v for v in table.values() if v.casefold().strip() not in out})
        if missing:
            raise ValueError(f"reverse_tables.{table_name}: no platform value for {missing}")
        return out
    by_value: dict[str, list[str]] = {}
    for key, value in table.items():
        by_value.setdefault(value.casefold().strip(), []).append(key)
    clashes = {v: keys for v, keys in by_value.items() if len(keys) > 1}
    if clashes:
        shown = "; ".join(f"{keys} -> {v!r}" for v, keys in sorted(clashes.items()))
        raise ValueError(
            f"value table {table_name!r} maps several platform values to one Salesforce value "
            f"({shown}), so a Salesforce value cannot be written back unambiguously; give "
            f"ownership.reverse_tables.{table_name}")
    return {v: keys[0] for v, keys in by_value.items()}


def _platform_led(name: str, fspec: Any, obj: ObjectSpec, reserved: set[str | None],
                  spec: OwnershipSpec) -> FieldOwnership:
    """A platform-led field keeps a way back only where one exists without asking (a
    steward may decide a held conflict for Salesforce); none is no error here."""
    column = fspec.source
    if (fspec.transform in NOT_WRITABLE_BACK or column in obj.source.lookups
            or column in reserved):
        return FieldOwnership(name, "platform", fspec.transform)
    reverse = None
    if fspec.transform == "value_table":
        try:
            reverse = _reverse_table(fspec.table, obj.value_tables[fspec.table],
                                     spec.reverse_tables.get(fspec.table))
        except ValueError:
            return FieldOwnership(name, "platform", fspec.transform)
    return FieldOwnership(name, "platform", fspec.transform, column, reverse)


def resolve_ownership(obj: ObjectSpec, spec: OwnershipSpec | Mapping[str, Any] | None = None
                      ) -> Ownership:
    """Check an object's ownership against its fields; raise ValueError naming the field.

    `spec` defaults to `obj.ownership` (once ObjectSpec has that section), else every field
    is led by the platform. Called from ObjectSpec's validator, the ValueError becomes a
    SpecError with the spec file's line and column.
    """
    if spec is None:
        spec = getattr(obj, "ownership", None) or OwnershipSpec()
    elif not isinstance(spec, OwnershipSpec):
        spec = OwnershipSpec.model_validate(spec)
    unknown = sorted(set(spec.leads) - set(obj.fields))
    if unknown:
        raise ValueError(f"ownership.leads: unknown fields {unknown}")
    tables_used: set[str] = set()
    fields: dict[str, FieldOwnership] = {}
    written: dict[str, str] = {}
    source = obj.source
    reserved = {source.key, source.modified_at, source.deleted_at}
    for name, fspec in obj.fields.items():
        leader = spec.leader(name)
        if leader == "platform":
            fields[name] = _platform_led(name, fspec, obj, reserved, spec)
            continue
        where = f"ownership.leads.{name}"
        if fspec.transform in NOT_WRITABLE_BACK:
            raise ValueError(f"{where}: transform {fspec.transform} cannot be written back "
                             f"to the platform: {NOT_WRITABLE_BACK[fspec.transform]}")
        column = spec.writeback.get(name, fspec.source)
        if column in source.lookups:
            lk = source.lookups[column]
            raise ValueError(
                f"{where}: {column} is looked up from {lk.table}.{lk.column}, not a column of "
                f"{source.table}; name a column with ownership.writeback.{name} or let the "
                "platform lead it")
        if column in reserved:
            raise ValueError(f"{where}: {column} is the platform's key or bookkeeping column")
        if not column.replace("_", "").isalnum():
            raise ValueError(f"{where}: {column!r} is not a column name")
        if column in written:
            raise ValueError(f"{where}: column {column} is already written back by {written[column]}")
        written[column] = name
        reverse = None
        if fspec.transform == "value_table":
            assert fspec.table is not None
            tables_used.add(fspec.table)
            reverse = _reverse_table(fspec.table, obj.value_tables[fspec.table],
                                     spec.reverse_tables.get(fspec.table))
        fields[name] = FieldOwnership(name, leader, fspec.transform, column, reverse)
    tables_used |= {f.table for f in obj.fields.values() if f.transform == "value_table"}
    stray = sorted(set(spec.reverse_tables) - tables_used)
    if stray:
        raise ValueError(f"ownership.reverse_tables: {stray} are not value tables of any field")
    return Ownership(fields, spec.on_conflict, obj)


def parse_ownership(obj: ObjectSpec | Mapping[str, Any],
                    ownership: OwnershipSpec | Mapping[str, Any] | None = None) -> Ownership:
    """`resolve_ownership` for an ObjectSpec or its YAML dict (with or without `ownership`).

    Until ObjectSpec has the section, a dict's `ownership` key is split off before the rest
    is validated as an ObjectSpec.
    """
    if isinstance(obj, Mapping):
        from concord.spec.model import ObjectSpec  # run time only: spec.model may import us

        data = dict(obj)
        raw = data.pop("ownership", None) if "ownership" not in ObjectSpec.model_fields else None
        obj = ObjectSpec.model_validate(data)
        ownership = ownership if ownership is not None else raw
    return resolve_ownership(obj, ownership)
