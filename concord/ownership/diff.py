"""The three-way diff of matched records: what to write to Salesforce, what to write back
to the platform, and which conflicts to record.

Inputs per record, all in Salesforce field terms:
- `platform`: the payload Concord would send for the platform record (`build_payload`:
  references already Salesforce ids, an inactive owner already the house account), so
  both sides speak the same ids; None = not changed since the baseline;
- `salesforce`: the record as read from Salesforce; None = not changed since the baseline;
- `baseline`: the canonical values both systems agreed on after the last sync, or None.

The new baseline (`RecordDiff.baseline`) is stored only after every write of the record
is confirmed. The values Concord wrote then read back as the baseline, so they are no
change next time: no echo, on either side. A write that failed leaves the old baseline;
the next run sees the same change again (or both sides changed alike: no conflict).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from concord.ownership.rules import MISSING, Outcome, Reason, decide_field
from concord.ownership.spec import ConflictRule, FieldOwnership, Ownership, System
from concord.ownership.values import (
    Canonical,
    NotWritableBack,
    canonical,
    standardised,
    to_platform,
)

ConflictKind = Literal["conflict", "override", "unmappable"]
Resolution = Literal["platform", "salesforce", "held"]


@dataclass(frozen=True)
class RecordSides:
    golden_id: str
    platform: Mapping[str, Any] | None
    salesforce: Mapping[str, Any] | None
    baseline: Mapping[str, Any] | None
    row: Mapping[str, Any] = field(default_factory=dict)  # raw platform row: country hints
    decisions: Mapping[str, System] = field(default_factory=dict)  # steward: field -> winner
    source_key: str = ""
    target_id: str | None = None


@dataclass(frozen=True)
class FieldConflict:
    """A field both sides changed (`conflict`), one its non-leader changed (`override`), or
    a Salesforce value the platform cannot take (`unmappable`); canonical values."""

    golden_id: str
    source_key: str
    target_id: str | None
    field: str
    kind: ConflictKind
    baseline: Any
    platform: Any
    salesforce: Any
    leader: System
    rule: ConflictRule
    resolution: Resolution
    detail: str = ""

    @property
    def held(self) -> bool:
        return self.resolution == "held"


@dataclass(frozen=True)
class FieldChange:
    field: str
    to: System
    value: Any
    reason: Reason


@dataclass(frozen=True)
class RecordDiff:
    golden_id: str
    source_key: str
    target_id: str | None
    to_salesforce: dict[str, Any]
    to_platform: dict[str, str | None]  # platform column -> text as the platform stores it
    platform_before: dict[str, Any]     # those columns as read (for a compare-and-set write)
    changes: tuple[FieldChange, ...]
    conflicts: tuple[FieldConflict, ...]
    baseline: dict[str, Any]
    baseline_changed: bool
    decided: tuple[str, ...] = ()  # fields a steward's decision settled

    @property
    def nothing_to_write(self) -> bool:
        return not self.to_salesforce and not self.to_platform


@dataclass
class OwnershipDiff:
    records: list[RecordDiff] = field(default_factory=list)

    def conflicts(self) -> list[FieldConflict]:
        return [c for r in self.records for c in r.conflicts]

    def counts(self) -> dict[str, int]:
        conflicts = self.conflicts()
        return {
            "records": len(self.records),
            "to_salesforce": sum(1 for r in self.records if r.to_salesforce),
            "to_platform": sum(1 for r in self.records if r.to_platform),
            "fields_to_salesforce": sum(len(r.to_salesforce) for r in self.records),
            "fields_to_platform": sum(len(r.to_platform) for r in self.records),
            "conflicts_resolved": sum(1 for c in conflicts if c.kind == "conflict" and not c.held),
            "conflicts_held": sum(1 for c in conflicts if c.kind == "conflict" and c.held),
            "overridden": sum(1 for c in conflicts if c.kind == "override"),
            "unmappable": sum(1 for c in conflicts if c.kind == "unmappable"),
        }


def _side(values: Mapping[str, Any] | None, baseline: Mapping[str, Any] | None,
          name: str) -> Any:
    if values is not None:
        return values.get(name)
    return baseline.get(name, MISSING) if baseline is not None else MISSING


def _order(fo: FieldOwnership) -> int:
    return 0 if fo.transform == "country" else 1  # phones and VAT ids read the country


def _country_moved(fo: FieldOwnership, obj: Any, row: Mapping[str, Any],
                   row_after: Mapping[str, Any]) -> tuple[Canonical, Canonical] | None:
    """The field's platform reading before and after a country written back in its row,
    when they differ ('089 123456' is a Munich number in DE, another one in AT)."""
    fspec = obj.fields[fo.name]
    cf = fspec.country_field
    if cf is None or row.get(cf) == row_after.get(cf) or fspec.source not in row:
        return None
    was = standardised(fo, obj, row[fspec.source], row)
    now = standardised(fo, obj, row[fspec.source], row_after)
    return None if was == now else (was, now)


def diff_record(sides: RecordSides, ownership: Ownership, *,
                timezone: str = "Europe/Berlin") -> RecordDiff:
    if sides.baseline is None and (sides.platform is None or sides.salesforce is None):
        raise ValueError(f"{sides.golden_id}: without a baseline both sides must be given")
    obj = ownership.obj
    base = sides.baseline
    row = sides.row
    row_after = dict(row)
    to_sf: dict[str, Any] = {}
    to_pf: dict[str, str | None] = {}
    before: dict[str, Any] = {}
    changes: list[FieldChange] = []
    conflicts: list[FieldConflict] = []
    decided: list[str] = []
    new_base: dict[str, Any] = dict(base or {})
    changed_base = base is None

    def write_platform(column: str, text: str | None, name: str, reason: Reason) -> None:
        to_pf[column] = row_after[column] = text
        if column in row:
            before[column] = row[column]
        changes.append(FieldChange(name, "platform", text, reason))

    for fo in sorted(ownership.fields.values(), key=_order):
        name = fo.name
        b_raw = base.get(name, MISSING) if base is not None else MISSING
        p_raw = _side(sides.platform, base, name)
        s_raw = _side(sides.salesforce, base, name)
        if p_raw is MISSING or s_raw is MISSING:
            continue  # a side unread and a field it never agreed on: nothing to compare
        # A country written back (decided above: countries go first) must not change how
        # the platform reads this row's phone or VAT id, or our own write would come back
        # as an edit next run: a valid reading is kept, rewritten country-free (E.164,
        # prefixed VAT id); an invalid one is compared as the platform will read it.
        keep: Canonical | None = None
        moved = _country_moved(fo, obj, row, row_after) if to_pf else None
        if moved is not None:
            was, now = moved
            if was.valid and fo.column is not None:
                keep = was
            else:
                p_raw = now.value if now.valid else None
        if b_raw is not MISSING and p_raw == b_raw and s_raw == b_raw and keep is None:
            continue  # the common case, without canonicalising
        pc, sc = canonical(fo, obj, p_raw, row), canonical(fo, obj, s_raw, row)
        bc = canonical(fo, obj, b_raw, row) if b_raw is not MISSING else None
        decision = sides.decisions.get(name)
        out = decide_field(MISSING if bc is None else bc.value, pc.value, sc.value,
                           leader=fo.leader, rule=ownership.on_conflict, decision=decision)
        kind: ConflictKind = "override" if out.reason == "override" else "conflict"
        detail = ""
        written: str | None = None
        if out.write == "platform":
            try:
                if fo.column is None:
                    raise NotWritableBack(f"{name} has no platform column to write back to")
                written = to_platform(fo, obj, sc, row_after, timezone=timezone)
            except NotWritableBack as exc:
                if out.reason == "initial" and fo.leader == "platform":
                    # nothing the platform can take: its own (empty) value, as leader, stands
                    out = Outcome("platform", "salesforce", "initial")
                else:
                    kind, detail = "unmappable", str(exc)
                    out = Outcome(None, None, out.reason, conflict=True)
        if out.write == "platform":
            assert fo.column is not None
            write_platform(fo.column, written, name, out.reason or "initial")
        else:
            if out.write == "salesforce":
                to_sf[name] = p_raw
                changes.append(FieldChange(name, "salesforce", p_raw, out.reason or "initial"))
            if keep is not None:
                assert fo.column is not None
                with suppress(NotWritableBack):  # else the platform reads it anew next run
                    write_platform(fo.column, to_platform(fo, obj, keep, row_after,
                                                          timezone=timezone), name, "kept")
        if out.reason == "decided":
            decided.append(name)
        if out.conflict and out.reason != "decided":
            conflicts.append(FieldConflict(
                sides.golden_id, sides.source_key, sides.target_id, name, kind,
                None if bc is None else bc.value, pc.value, sc.value, fo.leader,
                ownership.on_conflict, out.source or "held", detail))
        if out.source is not None:
            agreed: Canonical = pc if out.source == "platform" else sc
            if bc is None or bc.value != agreed.value:
                new_base[name] = agreed.value
                changed_base = True
    return RecordDiff(sides.golden_id, sides.source_key, sides.target_id, to_sf, to_pf, before,
                      tuple(changes), tuple(conflicts), new_base, changed_base, tuple(decided))


def created_baseline(payload: Mapping[str, Any], ownership: Ownership) -> dict[str, Any]:
    """The baseline of a record Concord just created in Salesforce: the payload it sent.

    Stored as sent, not canonicalised (that would cost a phone parse per field at an
    initial load of 300,000 records): the diff canonicalises baselines when it compares,
    and an unchanged value equal to the payload skips even that.
    """
    return {name: payload.get(name) for name in ownership.fields}


def diff_records(records: Iterable[RecordSides], ownership: Ownership, *,
                 timezone: str = "Europe/Berlin") -> OwnershipDiff:
    return OwnershipDiff([diff_record(r, ownership, timezone=timezone) for r in records])
