"""Plan the writes for matched records: create, update or leave unchanged.

A write is skipped when its content hash equals the one we last wrote for that golden
id, so an unchanged re-run sends nothing. The plan is data (shown before apply, and by
`concord plan`), never a side effect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from concord.identity import content_hash
from concord.match import MatchedRecord
from concord.ownership import OwnershipDiff
from concord.spec.model import ObjectSpec

Action = Literal["create", "update", "unchanged", "delete"]

# record_state values that are not content hashes: what we know of a deleted target record
DELETED_BY_CONCORD = "deleted-by-concord"   # we deleted it (source delete policy)
DELETED_IN_TARGET = "deleted-in-target"     # someone deleted it in the target system


@dataclass(frozen=True)
class PlannedWrite:
    golden_id: str
    source_key: str
    action: Action
    payload: dict[str, Any]
    payload_hash: str
    target_id: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSkip:
    """A record that cannot be written yet, with the reason (it stays in the sync log)."""

    source_key: str
    golden_id: str
    reason: str


@dataclass
class WritePlan:
    """`ownership`: the two-way diff of records Salesforce also edits (write-backs to the
    platform, conflicts, new baselines); `from_target`: writes planned for records changed
    only in the target, beyond the extracted ones."""

    writes: list[PlannedWrite] = field(default_factory=list)
    skipped: list[PlanSkip] = field(default_factory=list)
    ownership: OwnershipDiff = field(default_factory=OwnershipDiff)
    from_target: int = 0
    target_until: datetime | None = None  # the target cursor once this plan is applied

    def counts(self) -> dict[str, int]:
        c = Counter(w.action for w in self.writes)
        return {a: c.get(a, 0) for a in ("create", "update", "unchanged", "delete")}

    def to_send(self) -> list[PlannedWrite]:
        return [w for w in self.writes if w.action != "unchanged"]

    def noted(self, note: str) -> int:
        return sum(1 for w in self.writes if note in w.notes)

    def extend(self, other: WritePlan) -> WritePlan:
        self.writes.extend(other.writes)
        self.skipped.extend(other.skipped)
        self.ownership.records.extend(other.ownership.records)
        self.from_target += other.from_target
        return self


class UnresolvedReference(Exception):
    """A referenced record has no target id (quarantined, or not synced yet)."""


def build_payload(
    m: MatchedRecord,
    spec: ObjectSpec,
    active_users: Collection[str] | None,
    reference_ids: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    payload = dict(m.record.fields)
    notes: list[str] = []
    for fname, fspec in spec.fields.items():
        if fspec.references is None or payload.get(fname) is None:
            continue
        target_id = (reference_ids or {}).get(fname, {}).get(payload[fname])
        if target_id is None:
            raise UnresolvedReference(
                f"{fname}: {fspec.references} {payload[fname]} has no {spec.target.system} record yet")
        payload[fname] = target_id
    owners = spec.owners
    if owners is not None and active_users is not None:
        owner = payload.get(owners.field)
        if owner not in active_users:
            payload[owners.field] = owners.house_account
            notes.append("owner_to_house_account")
    payload[spec.target.external_id] = m.golden_id
    return payload, tuple(notes)


def plan_writes(
    matched: Sequence[MatchedRecord],
    spec: ObjectSpec,
    *,
    last_hashes: Mapping[str, str],
    active_users: Collection[str] | None = None,
    reference_ids: Mapping[str, Mapping[str, str]] | None = None,
) -> WritePlan:
    """`reference_ids`: per reference field, source key -> target record id."""
    plan = WritePlan()
    for m in matched:
        last = last_hashes.get(m.golden_id)
        if last == DELETED_IN_TARGET:
            plan.skipped.append(PlanSkip(
                m.record.key, m.golden_id,
                f"deleted in {spec.target.system}: not re-created (restore it there, or clear it "
                "in the ledger to create it again)"))
            continue
        if last == DELETED_BY_CONCORD:  # the source record came back: write it anew
            m = replace(m, target_id=None)
        try:
            payload, notes = build_payload(m, spec, active_users, reference_ids)
        except UnresolvedReference as exc:
            plan.skipped.append(PlanSkip(m.record.key, m.golden_id, str(exc)))
            continue
        digest = content_hash(payload)
        # The hash is stored only after a confirmed write, so equal means "already there".
        action: Action = "unchanged" if last == digest else "update" if m.target_id else "create"
        plan.writes.append(
            PlannedWrite(m.golden_id, m.record.key, action, payload, digest, m.target_id, notes))
    return plan


def plan_deletes(
    deleted_keys: Sequence[str],
    spec: ObjectSpec,
    *,
    golden_by_source: Mapping[str, str],
    target_by_golden: Mapping[str, str],
    last_hashes: Mapping[str, str],
) -> WritePlan:
    """Writes for records deleted in the source, per the spec's delete policy."""
    plan = WritePlan()
    policy = spec.on_delete
    for key in deleted_keys:
        golden = golden_by_source.get(key)
        target_id = target_by_golden.get(golden) if golden else None
        if policy.action == "ignore" or golden is None or target_id is None:
            why = ("delete policy: ignore" if policy.action == "ignore"
                   else "never synced, nothing to delete")
            plan.skipped.append(PlanSkip(key, golden or "", f"deleted in source ({why})"))
            continue
        last = last_hashes.get(golden)
        if policy.action == "delete":
            payload: dict[str, Any] = {}
            digest = DELETED_BY_CONCORD
            action: Action = "unchanged" if last in (DELETED_BY_CONCORD, DELETED_IN_TARGET) else "delete"
        else:
            assert policy.field is not None
            payload = {policy.field: policy.value, spec.target.external_id: golden}
            digest = content_hash(payload)
            action = "unchanged" if last == digest else "update"
        plan.writes.append(PlannedWrite(golden, key, action, payload, digest, target_id,
                                        ("deleted_in_source",)))
    return plan


MERGED_AWAY = "merged_away"


def plan_merged_away(
    losers: Mapping[str, str],
    spec: ObjectSpec,
    *,
    own_golden: Mapping[str, str],
    target_by_golden: Mapping[str, str],
    last_hashes: Mapping[str, str],
) -> WritePlan:
    """Flag the target records of merged-away source records (`losers`: source key -> the
    golden id it was merged into) per the spec's merge policy. Only losers that had a
    target record of their own get a write, and only until the flag is there: once its
    hash is stored they stay plain skips (counted by dedupe/match)."""
    plan = WritePlan()
    policy = spec.on_merge
    if policy.action != "flag":
        return plan
    assert policy.field is not None
    for key, kept in losers.items():
        own = own_golden.get(key)
        target_id = target_by_golden.get(own) if own else None
        if own is None or own == kept or target_id is None:
            continue
        payload = {policy.field: kept, spec.target.external_id: own}
        digest = content_hash(payload)
        if last_hashes.get(own) in (digest, DELETED_IN_TARGET, DELETED_BY_CONCORD):
            continue
        plan.writes.append(PlannedWrite(own, key, "update", payload, digest, target_id,
                                        (MERGED_AWAY,)))
    return plan
