"""The two-way part of the plan and apply steps, for objects some of whose fields Salesforce
leads (`ownership` in the spec). One-way objects never reach this module.

Durability: the target cursor of a two-way object moves only in apply, after the changes
it covers were written on both sides and their baselines stored; a run that fails before
re-reads the same Salesforce changes next time, and the baselines make that harmless.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from assets.steps.common import StepScope, table_metadata
from concord.errors import ValidationError
from concord.ledger import Ledger
from concord.model import SourceRecord
from concord.normalise.timestamps import to_utc
from concord.ownership import Ownership, RecordSides, created_baseline, resolve_ownership
from concord.plan import WritePlan, plan_two_way
from resources.platform import PlatformDatabase
from resources.platform_writeback import PlatformWriter, updates_from_diffs

SOURCE_SYSTEM = "platform"
# A platform row stamped within this of the Salesforce read may not be in this run's
# extract: its record waits for the next run rather than be diffed blind to that edit.
EDIT_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class TargetChanges:
    """What target_state read: how many rows, the cursor apply sets once they are handled,
    and (two-way objects only) the live rows by target id, with every mapped field."""

    seen: int
    until: datetime
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


def ownership_of(scope: StepScope) -> Ownership | None:
    """The object's ownership when Salesforce leads any field, else None (one-way)."""
    ownership = resolve_ownership(scope.obj)
    return ownership if ownership.led_by("salesforce") else None


def target_fields(scope: StepScope) -> list[str]:
    target = scope.obj.target
    extra = list(scope.obj.fields) if ownership_of(scope) else list(scope.obj.match_on)
    return list(dict.fromkeys(["Id", target.external_id, "SystemModstamp", *extra]))


def plan_two_way_step(scope: StepScope, ownership: Ownership, led: Ledger, client,
                      platform: PlatformDatabase, plan: WritePlan, source: list[SourceRecord],
                      changes: TargetChanges) -> WritePlan:
    """Diff every existing record of the plan, and every record changed only in Salesforce.

    Besides the Salesforce records that changed since the cursor, records are read afresh
    when the diff cannot assume Salesforce still equals the baseline: linked but without a
    baseline, or with a held conflict or a steward's decision still to apply (their
    Salesforce side may have moved again while they waited)."""
    target = scope.obj.target
    golden_of_target = led.golden_ids(target.system, target.object, changes.rows)
    sf_rows = {golden_of_target[tid]: row for tid, row in changes.rows.items()
               if tid in golden_of_target}
    existing = [w for w in plan.writes if w.target_id is not None]
    waiting = led.waiting_golden_ids(target.system, target.object)
    goldens = {w.golden_id for w in existing} | set(sf_rows) | waiting
    baselines = led.get_baselines(target.system, target.object, goldens)
    unread = {w.target_id: w.golden_id for w in existing
              if w.golden_id not in baselines and w.golden_id not in sf_rows}
    stale = waiting - set(sf_rows)
    unread.update({tid: g for g, tid in led.system_ids(stale, target.system,
                                                        target.object).items()})
    if unread:
        for row in client.find_by(target.object, target_fields(scope), "Id", list(unread)):
            sf_rows[unread[row["Id"]]] = row
    diffed = {w.golden_id for w in existing}
    only_target = [g for g in sf_rows if g not in diffed and g in baselines]
    keys = led.system_ids(set(only_target), SOURCE_SYSTEM, scope.obj_name)
    platform_rows = platform.rows(scope.obj.source, sorted(set(keys.values())))
    target_ids = led.system_ids(set(only_target), target.system, target.object)
    decisions = led.pending_decisions(target.system, target.object, goldens)
    source_spec = scope.obj.source
    sides = []
    for g in only_target:
        row = platform_rows.get(keys.get(g, ""))
        if row is None or (source_spec.deleted_at and row.get(source_spec.deleted_at)):
            continue  # gone in the platform: its delete policy, not a write-back, applies
        if _edited_since(row, source_spec.modified_at, changes.until, platform.timezone):
            continue  # the platform side moved after this run's read: the next run diffs both
        sides.append(RecordSides(g, None, sf_rows[g], baselines[g], row=row,
                                 decisions=decisions.get(g, {}), source_key=keys[g],
                                 target_id=target_ids.get(g)))
    rows = {r.key: r.values for r in source}
    return plan_two_way(plan, ownership, external_id=target.external_id, salesforce=sf_rows,
                        baselines=baselines, rows=rows, decisions=decisions, target_only=sides,
                        target_until=changes.until)


def _edited_since(row: Mapping[str, Any], column: str, moment: datetime, timezone: str) -> bool:
    try:
        return to_utc(row[column], local_tz=timezone) >= moment - EDIT_MARGIN
    except (KeyError, ValidationError):
        return False


def plan_metadata(plan: WritePlan) -> dict[str, Any]:
    diff = plan.ownership
    conflicts = diff.conflicts()
    return {
        **{f"two_way_{k}": v for k, v in diff.counts().items()},
        "changed_in_target": plan.from_target,
        "conflicts": table_metadata(
            [{"golden_id": c.golden_id, "field": c.field, "kind": c.kind,
              "platform": c.platform, "salesforce": c.salesforce, "resolution": c.resolution}
             for c in conflicts],
            ["golden_id", "field", "kind", "platform", "salesforce", "resolution"]),
        "write_back": table_metadata(
            [{"source": d.source_key, "columns": ", ".join(f"{k}={v}" for k, v in
                                                        d.to_platform.items())}
             for d in diff.records if d.to_platform], ["source", "columns"]),
    }


@dataclass
class TwoWayResult:
    written_back: int = 0
    conflicts: int = 0
    baselines: int = 0
    left_for_next_run: int = 0  # platform rows edited while the run read them


def apply_two_way(scope: StepScope, led: Ledger, platform_url: str, timezone: str,
                  plan: WritePlan, written: Collection[str]) -> TwoWayResult:
    """Write back to the platform, store the new baselines, record the conflicts and settle
    the ones no longer open.

    A record whose Salesforce write failed still gets its write-back, and its baseline keeps
    the old values of the fields that were to go to Salesforce: the next run sees them as
    platform changes again (and retries) while the Salesforce edits are not lost."""
    target = scope.obj.target
    ownership = ownership_of(scope)
    out = TwoWayResult()
    if ownership is None:
        return out
    diffs = plan.ownership.records
    to_send = plan.to_send()
    sent = {w.golden_id for w in to_send}
    sf_failed = {d.golden_id for d in diffs if d.golden_id in sent and d.golden_id not in written}
    moved: set[str] = set()
    updates = updates_from_diffs(diffs)
    if updates:
        with PlatformWriter(platform_url, timezone=timezone) as writer:
            res = writer.apply(scope.obj.source.table, updates, key_column=scope.obj.source.key,
                               modified_column=scope.obj.source.modified_at,
                               deleted_column=scope.obj.source.deleted_at)
        out.written_back = len(res.updated)
        # Edited in the platform since it was read: the next run diffs it again (and, for
        # that, re-reads the Salesforce side: apply keeps the cursor). A deleted row has
        # nothing to take a write-back.
        moved = set(res.moved)
        out.left_for_next_run = len(res.moved)
    done = [d for d in diffs if d.source_key not in moved]
    before = led.get_baselines(target.system, target.object,
                               [d.golden_id for d in done if d.golden_id in sf_failed])
    baselines: dict[str, dict[str, Any]] = {}
    for d in done:
        if d.golden_id in sf_failed:
            base, old = dict(d.baseline), before.get(d.golden_id, {})
            for name in d.to_salesforce:
                if name in old:
                    base[name] = old[name]
                else:
                    base.pop(name, None)
            baselines[d.golden_id] = base
        elif d.baseline_changed:
            baselines[d.golden_id] = d.baseline
    # Records this run created: their baseline is what was sent.
    for w in to_send:
        if w.action == "create" and w.golden_id in written:
            baselines[w.golden_id] = created_baseline(w.payload, ownership)
    if baselines:
        led.put_baselines(target.system, target.object, baselines)
    out.baselines = len(baselines)
    conflicts = [c for d in diffs for c in d.conflicts]
    if conflicts:
        led.record_conflicts(scope.sync, target.system, target.object, conflicts)
    out.conflicts = len(conflicts)
    decided = {d.golden_id: list(d.decided) for d in done
               if d.decided and d.golden_id not in sf_failed}
    if decided:
        led.mark_decisions_applied(target.system, target.object, decided)
    led.settle_conflicts(target.system, target.object, [d.golden_id for d in done],
                         [(c.golden_id, c.field) for d in done for c in d.conflicts if c.held])
    return out
