"""Plan step: what apply would write, visible in the UI before anything is written."""

import dagster as dg

from assets.steps.common import (
    StepScope,
    api_call_metadata,
    counts_calls_of_failed_attempts,
    table_metadata,
)
from assets.steps.match import SOURCE_SYSTEM
from assets.steps.twoway import TargetChanges, ownership_of, plan_metadata, plan_two_way_step
from concord.dedupe import DedupeOutcome
from concord.identity import golden_id_for
from concord.ledger import Ledger
from concord.match import MatchResult
from concord.model import SourceRecord
from concord.plan import WritePlan, plan_deletes, plan_merged_away, plan_writes
from resources.ledger import LedgerResource
from resources.platform import PlatformDatabase
from resources.salesforce.resource import SalesforceResource


def build_plan(scope: StepScope) -> dg.AssetsDefinition:
    target = scope.obj.target
    referenced = sorted({f.references for f in scope.obj.fields.values() if f.references})

    @dg.asset(
        **scope.asset_kwargs("plan", f"Creates and updates for {target.object}, before apply"),
        ins={"matched": scope.step_in("matched"), "source": scope.step_in("source"),
             "target_state": scope.step_in("target_state"),
             "deduped": scope.step_in("deduped")},
        # references resolve through the xref, so the objects they point at are applied first
        deps=[dg.AssetKey([scope.sync, f"{name}_applied"]) for name in referenced],
    )
    @counts_calls_of_failed_attempts
    def _plan(
        context: dg.AssetExecutionContext,
        ledger: LedgerResource,
        salesforce: SalesforceResource,
        platform: PlatformDatabase,
        matched: MatchResult,
        source: list[SourceRecord],
        target_state: TargetChanges,
        deduped: DedupeOutcome,
    ) -> WritePlan:
        led = ledger.open()
        active_users = None
        calls: dict[str, int] = {}
        client = None
        if scope.obj.owners is not None and matched.matched:
            client = salesforce.get_client()
            active_users = {uid for uid, active in client.users().items() if active}
        hashes = led.get_hashes(target.system, target.object,
                                [m.golden_id for m in matched.matched])
        plan = plan_writes(matched.matched, scope.obj, last_hashes=hashes,
                           active_users=active_users,
                           reference_ids=reference_ids(led, scope, matched))
        plan.extend(deletes_plan(led, scope, [r.key for r in source if r.deleted]))
        ownership = ownership_of(scope)
        two_way: dict = {}
        if ownership is not None:
            client = client or salesforce.get_client()
            plan = plan_two_way_step(scope, ownership, led, client, platform, plan, source,
                                     target_state)
            two_way = plan_metadata(plan)
        plan.extend(merged_away_plan(led, scope, deduped, matched))
        if client is not None:
            calls = client.calls.as_dict()
        preview = [
            {"action": w.action, "source": w.source_key, "golden_id": w.golden_id,
             "target_id": w.target_id or "", "notes": ", ".join(w.notes),
             "fields": ", ".join(sorted(k for k in w.payload if k != target.external_id))
             if w.action == "update" else ""}
            for w in plan.to_send()
        ]
        context.add_output_metadata({
            **plan.counts(),
            "skipped": len(plan.skipped),
            "owner_to_house_account": plan.noted("owner_to_house_account"),
            "writes": table_metadata(preview, ["action", "source", "golden_id", "target_id",
                                              "fields", "notes"]),
            **two_way,
            **api_call_metadata(calls),
        })
        return plan

    return _plan


def reference_ids(led: Ledger, scope: StepScope, matched: MatchResult) -> dict[str, dict[str, str]]:
    """Per reference field: source key of the referenced record -> its target record id."""
    out: dict[str, dict[str, str]] = {}
    for fname, fspec in scope.obj.fields.items():
        if fspec.references is None:
            continue
        ref = scope.spec.objects[fspec.references]
        keys = {str(m.record.fields[fname]) for m in matched.matched if m.record.fields.get(fname)}
        golden = led.golden_ids(SOURCE_SYSTEM, fspec.references, keys)
        target_ids = led.system_ids(set(golden.values()), ref.target.system, ref.target.object)
        out[fname] = {k: target_ids[g] for k, g in golden.items() if g in target_ids}
    return out


def merged_away_plan(led: Ledger, scope: StepScope, deduped: DedupeOutcome,
                     matched: MatchResult) -> WritePlan:
    """Losers of a steward's merge whose own target record exists: flagged per the spec."""
    if scope.obj.on_merge.action == "ignore":
        return WritePlan()
    target = scope.obj.target
    golden_of = {m.record.key: m.golden_id for m in matched.matched}
    golden_of.update({m.key: m.golden_id for m in matched.merged})
    losers = {m.key: m.golden_id for m in matched.merged}
    losers.update({loser: golden_of[kept] for loser, kept in deduped.merged.items()
                   if kept in golden_of})
    own = {key: golden_id_for(SOURCE_SYSTEM, scope.obj_name, key) for key in losers}
    return plan_merged_away(
        losers, scope.obj, own_golden=own,
        target_by_golden=led.system_ids(set(own.values()), target.system, target.object),
        last_hashes=led.get_hashes(target.system, target.object, own.values()))


def deletes_plan(led: Ledger, scope: StepScope, deleted_keys: list[str]) -> WritePlan:
    """Records deleted in the source, planned per the spec's delete policy."""
    target = scope.obj.target
    golden_by_source = led.golden_ids(SOURCE_SYSTEM, scope.obj_name, deleted_keys)
    goldens = set(golden_by_source.values())
    return plan_deletes(
        deleted_keys, scope.obj, golden_by_source=golden_by_source,
        target_by_golden=led.system_ids(goldens, target.system, target.object),
        last_hashes=led.get_hashes(target.system, target.object, goldens))
