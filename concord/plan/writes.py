"""Plan the writes for matched records: create, update or leave unchanged.

A write is skipped when its content hash equals the one we last wrote for that golden
id, so an unchanged re-run sends nothing. The plan is data (shown before apply, and by
`concord plan`), never a side effect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from concord.identity import content_hash
from concord.match import MatchedRecord
from concord.spec.model import ObjectSpec

Action = Literal["create", "update", "unchanged"]


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
    writes: list[PlannedWrite] = field(default_factory=list)
    skipped: list[PlanSkip] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(w.action for w in self.writes)
        return {a: c.get(a, 0) for a in ("create", "update", "unchanged")}

    def to_send(self) -> list[PlannedWrite]:
        return [w for w in self.writes if w.action != "unchanged"]

    def noted(self, note: str) -> int:
        return sum(1 for w in self.writes if note in w.notes)


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
        try:
            payload, notes = build_payload(m, spec, active_users, reference_ids)
        except UnresolvedReference as exc:
            plan.skipped.append(PlanSkip(m.record.key, m.golden_id, str(exc)))
            continue
        digest = content_hash(payload)
        # The hash is stored only after a confirmed write, so equal means "already there".
        action: Action
        if last_hashes.get(m.golden_id) == digest:
            action = "unchanged"
        else:
            action = "update" if m.target_id else "create"
        plan.writes.append(
            PlannedWrite(m.golden_id, m.record.key, action, payload, digest, m.target_id, notes))
    return plan
