"""`concord plan SYNC`: what the next run would write, computed by the real steps, sent nowhere.

The sync's own assets run up to and including `*_plan` (never `*_applied` or
`*_reconciled`), with the blocking duplicate check in place, so the plan is the one a real
run would act on. The run is in-process on an ephemeral Dagster instance with in-memory
step outputs: it leaves no run in the project's history and no step outputs on disk. What
it does leave is the ledger bookkeeping the read steps always do (quarantine, duplicate
clusters and rule decisions, xref links of new golden ids, the target's match keys and
read cursor): the same facts the next real run records anyway.
"""

from __future__ import annotations

import json
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import dagster as dg

from assets.steps.common import sync_partitions
from concord.plan import PlannedWrite, WritePlan
from integration_dags import local
from integration_dags.run import console_logs, initial_load_done, sync_instance
from integration_dags.stewardship import emit

WRITE_PREVIEW = 10
PLAN_STEP = "plan"
# The steps that only read the systems (they write nothing but ledger bookkeeping). A plan
# may depend on another object's `applied` step (contacts reference companies' Account
# ids): the upstream of the plans is cut down to these, so no write can ever be selected.
READ_STEPS = ("source", "target_state", "standardised", "deduped", "matched", PLAN_STEP)

@dataclass(frozen=True)
class ObjectPlan:
    name: str
    target: str
    counts: dict[str, int]
    writes: list[PlannedWrite]  # creates and updates, in plan order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source key, reason)


@dataclass
class DryRun:
    sync: str
    partition_range: tuple[str, str]
    objects: dict[str, ObjectPlan] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)  # why a plan could not be made
    api_calls: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.blocked


def sync_module(name: str) -> ModuleType | None:
    from integration_dags.definitions import SYNCS

    return SYNCS.get(name)


def plan_keys(module: ModuleType) -> list[dg.AssetKey]:
    spec = module.SPEC
    return [dg.AssetKey([spec.sync, f"{obj}_{PLAN_STEP}"]) for obj in spec.objects]


def plan_selection(module: ModuleType) -> dg.AssetSelection:
    """The plans and what they are computed from, never an apply or reconcile step."""
    spec = module.SPEC
    read_only = [dg.AssetKey([spec.sync, f"{obj}_{step}"]) for obj in spec.objects for step in READ_STEPS]
    return dg.AssetSelection.assets(*plan_keys(module)).upstream() & dg.AssetSelection.assets(*read_only)


def parse_range(text: str, partitions: dg.PartitionsDefinition) -> tuple[str, str]:
    """`START..END` or one key; both must be partitions of the sync."""
    start, _, end = text.partition("..")
    start, end = start.strip(), (end.strip() or start.strip())
    keys = partitions.get_partition_keys()
    for key in (start, end):
        if key not in keys:
            raise ValueError(f"{key!r} is not a partition (first {keys[0]}, last {keys[-1]})")
    if keys.index(start) > keys.index(end):
        raise ValueError(f"range {start}..{end} ends before it starts")
    return start, end


def default_range(sync: str, partitions: dg.TimeWindowPartitionsDefinition, *, full: bool
                  ) -> tuple[str, str]:
    """The range `concord sync` would run next (integration_dags/run.py): every partition
    until the initial load is done, afterwards yesterday and today. Read from the
    project's instance, never written."""
    from integration_dags.schedules import incremental_range

    keys = partitions.get_partition_keys()
    if full:
        return keys[0], keys[-1]
    with dg.DagsterInstance.get() as project:
        done = initial_load_done(project, sync)
    return incremental_range(partitions) if done else (keys[0], keys[-1])


def dry_run(sync: str, *, partition_range: tuple[str, str]) -> DryRun:
    """Materialise the sync's plan assets and their upstream in memory; nothing is applied."""
    from integration_dags.resources import build_resources
    from integration_dags.schedules import range_tags
    from integration_dags.summary import summarise_run

    module = sync_module(sync)
    assert module is not None, sync
    resources = {k: v for k, v in build_resources().items() if k != "step_store"}
    # a throw-away instance, never the project's; on disk with the pooled event log, as
    # the in-memory one stores a range run's thousands of events one by one
    with tempfile.TemporaryDirectory(prefix="concord-plan-") as home, \
            sync_instance(home) as instance:
        result = dg.materialize_to_memory(
            module.assets,
            selection=plan_selection(module),
            instance=instance,
            resources=resources,
            tags=range_tags(*partition_range),
            run_config=console_logs(),
            raise_on_error=False,
        )
    out = DryRun(sync, partition_range)
    out.api_calls = summarise_run(result.all_events).get(sync, {}).get("api_calls", {})
    for ev in result.get_asset_check_evaluations():
        if not ev.passed and ev.blocking:
            unresolved = ev.metadata.get("unresolved")
            how = ev.metadata.get("how_to_resolve")
            out.blocked.append(
                f"{ev.asset_key.to_user_string()}: blocking check {ev.check_name} failed"
                + (f" ({unresolved.value} unresolved)" if unresolved is not None else "")
                + (f"; {how.value}" if how is not None else ""))
    for ev in result.get_step_failure_events():
        error = ev.step_failure_data.error
        out.blocked.append(f"step {ev.step_key} failed: {error.message.strip() if error else '?'}")
    materialised = {ev.asset_key for ev in result.get_asset_materialization_events()}
    for name, obj in module.SPEC.objects.items():
        key = dg.AssetKey([sync, f"{name}_{PLAN_STEP}"])
        if key not in materialised:
            continue
        plan: WritePlan = result.asset_value(key)
        # records that cannot be written yet, e.g. contacts whose Account does not exist
        # before the companies are applied: a dry run cannot know those Account ids
        skipped = [(s.source_key, s.reason) for s in plan.skipped]
        out.objects[name] = ObjectPlan(name, f"{obj.target.system} {obj.target.object}",
                                       {**plan.counts(), "skipped": len(skipped)},
                                       plan.to_send(), skipped)
    if not out.objects and not out.blocked:
        out.blocked.append("no plan was produced")
    return out


def _write_json(w: PlannedWrite) -> dict[str, Any]:
    return {"action": w.action, "source_key": w.source_key, "golden_id": w.golden_id,
            "target_id": w.target_id, "fields": w.payload, "notes": list(w.notes)}


def plan_json(run: DryRun, *, limit: int) -> dict[str, Any]:
    return {
        "sync": run.sync,
        "dry_run": True,
        "partition_range": list(run.partition_range),
        "ok": run.ok,
        "blocked": run.blocked,
        "api_calls": run.api_calls,
        "objects": {
            name: {"target": p.target, "counts": p.counts,
                   "writes": [_write_json(w) for w in (p.writes[:limit] if limit else p.writes)],
                   "skipped": [{"source_key": k, "reason": r}
                               for k, r in (p.skipped[:limit] if limit else p.skipped)]}
            for name, p in run.objects.items()
        },
    }


def _fields_text(payload: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in payload.items())


def format_plan(run: DryRun, *, limit: int) -> str:
    start, end = run.partition_range
    span = start if start == end else f"{start}..{end}"
    lines = [f"{run.sync}: dry run over {span} (nothing was written)"]
    for p in run.objects.values():
        c = p.counts
        lines.append(f"{p.name} -> {p.target}: {c['create']} create, {c['update']} update, "
                     f"{c['unchanged']} unchanged" + (f", {c['skipped']} skipped" if c["skipped"] else ""))
        shown = p.writes[:limit] if limit else p.writes
        for w in shown:
            lines.append(f"  {w.action:<7} source {w.source_key}  golden {w.golden_id}  "
                         f"target {w.target_id or '-'}" + (f"  [{', '.join(w.notes)}]" if w.notes else ""))
            lines.append(textwrap.fill(_fields_text(w.payload), width=108,
                                       initial_indent="      ", subsequent_indent="      "))
        if len(p.writes) > len(shown):
            lines.append(f"  … and {len(p.writes) - len(shown)} more (--limit 0 shows all)")
        if p.skipped:
            key, reason = p.skipped[0]
            lines.append(f"  skipped {len(p.skipped)}, e.g. source {key}: {reason}")
    for reason in run.blocked:
        lines.append(f"BLOCKED: {reason}")
    calls = run.api_calls
    lines.append(f"API calls: {calls.get('read', 0)} reads, {calls.get('write', 0)} writes, "
                 f"{calls.get('bulk_jobs', 0)} bulk jobs")
    return "\n".join(lines)


def run_plan(sync: str, *, as_json: bool, partition_range: str | None, full: bool,
             limit: int = WRITE_PREVIEW) -> int:
    """CLI handler: 0 with a plan, 1 when a blocking check or a step stopped it, 2 on bad input."""
    embedded_platform = local.set_local_defaults()
    module = sync_module(sync)
    if module is None:
        from integration_dags.definitions import SYNCS

        print(f"unknown sync: {sync}; known: {', '.join(SYNCS)}", file=sys.stderr)
        return 2
    partitions = sync_partitions(module.SPEC)
    try:
        span = (parse_range(partition_range, partitions) if partition_range
                else default_range(sync, partitions, full=full))
    except ValueError as exc:
        print(f"concord plan: --partition-range: {exc}", file=sys.stderr)
        return 2
    if embedded_platform:
        local.ensure_platform()
    systems = sorted({obj.target.system for obj in module.SPEC.objects.values()})
    with local.sandboxes(systems):
        run = dry_run(sync, partition_range=span)
    emit(json.dumps(plan_json(run, limit=limit), sort_keys=True, default=str) if as_json
         else format_plan(run, limit=limit))
    return 0 if run.ok else 1
