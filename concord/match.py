"""Match standardised records to golden ids and to the target system's records.

Order of evidence: the xref (we linked this record before), then the spec's `match_on`
keys against the mirror of target records (a record that existed in Salesforce before the
initial load, or one synced from a duplicate in another partition), else a new golden id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from concord.identity import golden_id_for
from concord.model import StandardRecord


def match_value(value: object) -> str:
    """Match keys compare case-insensitively: e-mails and ids are typed in any case."""
    return str(value).strip().casefold()


@dataclass(frozen=True)
class MatchedRecord:
    record: StandardRecord
    golden_id: str
    target_id: str | None
    how: str  # 'xref' | 'key:<field>' | 'new'


@dataclass(frozen=True)
class MergedAway:
    """A record that duplicates an entity another source record already leads.

    The leader of a golden id is the source record it was derived from: the first one
    synced. Later duplicates link to it and are skipped, never written over it.
    """

    key: str
    golden_id: str
    reason: str


@dataclass
class MatchResult:
    matched: list[MatchedRecord] = field(default_factory=list)
    merged: list[MergedAway] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    def count(self, how_prefix: str) -> int:
        return sum(1 for m in self.matched if m.how.startswith(how_prefix))


@dataclass(frozen=True)
class MatchContext:
    """What the ledger knows, fetched in bulk by the caller for this batch's keys."""

    source_system: str
    source_obj: str
    golden_by_source: Mapping[str, str]          # source key -> golden id
    target_by_golden: Mapping[str, str]          # golden id -> target record id
    golden_by_target: Mapping[str, str]          # target record id -> golden id
    targets_by_key: Mapping[tuple[str, str], Sequence[str]]  # (field, match_value) -> target ids


def match_records(
    records: Sequence[StandardRecord], match_on: Sequence[str], ctx: MatchContext
) -> MatchResult:
    result = MatchResult()
    for rec in records:
        golden = ctx.golden_by_source.get(rec.key)
        if golden is not None:
            result.matched.append(
                MatchedRecord(rec, golden, ctx.target_by_golden.get(golden), "xref"))
            continue
        found = _match_by_keys(rec, match_on, ctx, result)
        if found is None:
            golden = golden_id_for(ctx.source_system, ctx.source_obj, rec.key)
            result.matched.append(
                MatchedRecord(rec, golden, ctx.target_by_golden.get(golden), "new"))
        elif isinstance(found, MergedAway):
            result.merged.append(found)
        else:
            result.matched.append(found)
    return result


def _match_by_keys(
    rec: StandardRecord, match_on: Sequence[str], ctx: MatchContext, result: MatchResult
) -> MatchedRecord | MergedAway | None:
    for fname in match_on:
        value = rec.fields.get(fname)
        if value in (None, ""):
            continue
        target_ids = sorted(ctx.targets_by_key.get((fname, match_value(value)), ()))
        if not target_ids:
            continue
        if len(target_ids) > 1:
            result.ambiguous.append(rec.key)
        target_id = target_ids[0]
        golden = ctx.golden_by_target.get(target_id)
        if golden is None:  # existed in the target before Concord: adopt it
            golden = golden_id_for(ctx.source_system, ctx.source_obj, rec.key)
            return MatchedRecord(rec, golden, target_id, f"key:{fname}")
        if golden != golden_id_for(ctx.source_system, ctx.source_obj, rec.key):
            # Another source record leads this entity (it was synced first); this one is
            # its duplicate: linked, not written, so the two never overwrite each other.
            return MergedAway(rec.key, golden, f"same {fname} as entity {golden}")
        return MatchedRecord(rec, golden, target_id, f"key:{fname}")
    return None
