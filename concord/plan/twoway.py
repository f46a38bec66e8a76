"""Two-way planning: the write plan of an object some of whose fields Salesforce leads.

`plan_writes` decides creates, skips and deletes as for a one-way object. Every write to a
record that already exists in Salesforce is then replaced by the three-way diff
(`concord.ownership`): only the fields that must change there are sent, Salesforce-led
edits go back to the platform, and conflicts are recorded. The content-hash shortcut does
not apply: a record unchanged in the platform may have changed in Salesforce.

Records changed only in Salesforce (their platform row is outside this run's window) come
in as `target_only` sides; their writes carry the note `changed_in_target` and are counted
apart (`WritePlan.from_target`), so extracted + from_target still adds up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from concord.identity import content_hash
from concord.ownership import Ownership, OwnershipDiff, RecordSides, diff_record
from concord.plan.writes import PlannedWrite, PlanSkip, WritePlan

CHANGED_IN_TARGET = "changed_in_target"


def _write_for(golden: str, source_key: str, target_id: str | None,
               to_salesforce: Mapping[str, Any], external_id: str,
               notes: tuple[str, ...]) -> PlannedWrite:
    """An update of just the fields that must change, or `unchanged` when there are none."""
    if not to_salesforce:
        return PlannedWrite(golden, source_key, "unchanged", {}, "", target_id, notes)
    payload = {**to_salesforce, external_id: golden}
    return PlannedWrite(golden, source_key, "update", payload, content_hash(payload),
                        target_id, notes)


def plan_two_way(
    plan: WritePlan,
    ownership: Ownership,
    *,
    external_id: str,
    salesforce: Mapping[str, Mapping[str, Any]],
    baselines: Mapping[str, Mapping[str, Any]],
    rows: Mapping[str, Mapping[str, Any]],
    decisions: Mapping[str, Mapping[str, str]],
    target_only: Sequence[RecordSides] = (),
    target_until: datetime | None = None,
    timezone: str = "Europe/Berlin",
) -> WritePlan:
    """`salesforce`: golden id -> the Salesforce record as read (changed ones, and any
    linked record without a baseline); `rows`: source key -> the platform row as stored."""
    diffs = OwnershipDiff()
    writes: list[PlannedWrite] = []
    for w in plan.writes:
        existing = w.target_id is not None and w.action in ("update", "unchanged")
        if not existing or "deleted_in_source" in w.notes:
            writes.append(w)
            continue
        sf_row = salesforce.get(w.golden_id)
        base = baselines.get(w.golden_id)
        if base is None and sf_row is None:
            plan.skipped.append(PlanSkip(w.source_key, w.golden_id,
                                         "two-way: Salesforce record not read, no baseline"))
            continue
        platform = {k: v for k, v in w.payload.items() if k != external_id}
        d = diff_record(RecordSides(
            w.golden_id, platform, sf_row, base, row=rows.get(w.source_key, {}),
            decisions=decisions.get(w.golden_id, {}), source_key=w.source_key,
            target_id=w.target_id), ownership, timezone=timezone)
        diffs.records.append(d)
        writes.append(_write_for(w.golden_id, w.source_key, w.target_id, d.to_salesforce,
                                 external_id, w.notes))
    changed = 0
    for sides in target_only:
        d = diff_record(sides, ownership, timezone=timezone)
        if d.nothing_to_write and not d.conflicts and not d.baseline_changed and not d.decided:
            continue  # read back as the baseline: our own write of a past run, not a change
        changed += 1
        diffs.records.append(d)
        writes.append(_write_for(sides.golden_id, sides.source_key, sides.target_id,
                                 d.to_salesforce, external_id, (CHANGED_IN_TARGET,)))
    return WritePlan(writes=writes, skipped=plan.skipped, ownership=diffs,
                     from_target=changed, target_until=target_until)
