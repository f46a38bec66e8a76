"""Apply step: batched, idempotent upserts through the outbox, results into the ledger."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import dagster as dg

from assets.steps.common import (
    STEP_RETRY,
    StepScope,
    api_call_metadata,
    fails_at_once_if_permanent,
    jsonable,
    partition_label,
)
from assets.steps.twoway import apply_two_way, ownership_of
from concord.errors import RateLimitExhausted
from concord.identity import idempotency_key
from concord.ledger import Ledger, OutboxEntry, QuarantineRow, SyncLogRow, XrefLink
from concord.match import match_value
from concord.plan import PlannedWrite, WritePlan
from resources.ledger import LedgerResource
from resources.platform import PlatformDatabase
from resources.salesforce.client import WriteResult
from resources.salesforce.resource import SalesforceResource


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: dict[str, str] = field(default_factory=dict)        # source key -> error text
    written: dict[str, str] = field(default_factory=dict)       # golden id -> target id
    started_at: datetime | None = None                           # when the first write went out
    written_back: int = 0                                        # platform rows updated (two-way)
    conflicts: int = 0                                           # field conflicts recorded


def build_apply(scope: StepScope) -> dg.AssetsDefinition:
    target = scope.obj.target

    @dg.asset(
        **scope.asset_kwargs("applied", f"Upserts to {target.system} {target.object}"),
        ins={"plan": scope.step_in("plan")},
        deps=[scope.key("deduped")],  # so the blocking duplicate check holds this step
        retry_policy=STEP_RETRY,
        pool=f"{target.system}_api",  # dagster.yaml: one writer per system across runs
    )
    @fails_at_once_if_permanent
    def _apply(
        context: dg.AssetExecutionContext,
        ledger: LedgerResource,
        salesforce: SalesforceResource,
        platform: PlatformDatabase,
        plan: WritePlan,
    ) -> ApplyResult:
        led = ledger.open()
        to_send = plan.to_send()
        result = ApplyResult()
        calls: dict[str, int] = {}
        if to_send:
            result.started_at = datetime.now(UTC)
            client = salesforce.get_client()
            try:
                _send(scope, led, client, to_send, result, context.run.run_id,
                      partition_label(context))
            except RateLimitExhausted as exc:
                raise dg.Failure(
                    description=f"{exc}; stopped cleanly after {len(result.written)} of "
                                f"{len(to_send)} writes; re-run this partition after the limit resets",
                    metadata=api_call_metadata(client.calls.as_dict()),
                    allow_retries=False,  # retrying before the reset only spends calls
                ) from None
            calls = client.calls.as_dict()
        two_way = {}
        if ownership_of(scope) is not None:
            back = apply_two_way(scope, led, platform.url, platform.timezone, plan,
                                 result.written)
            result.written_back, result.conflicts = back.written_back, back.conflicts
            two_way = {"written_back": back.written_back, "conflicts": back.conflicts,
                       "baselines_stored": back.baselines,
                       "left_for_next_run": back.left_for_next_run}
            if not back.left_for_next_run and plan.target_until is not None:
                # Every change read was handled on both sides: move past it.
                led.set_cursor(scope.sync, target.system, target.object, plan.target_until)
        context.add_output_metadata({
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
            "failed": len(result.failed),
            **two_way,
            **api_call_metadata(calls),
        })
        return result

    return _apply


def _send(scope: StepScope, led: Ledger, client, writes: list[PlannedWrite],
          result: ApplyResult, run_id: str, partition: str) -> None:
    target = scope.obj.target
    by_golden = {w.golden_id: w for w in writes}
    keys = {
        w.golden_id: idempotency_key(scope.sync, target.system, target.object, w.golden_id,
                                     w.payload_hash)
        for w in writes
    }
    led.send(
        OutboxEntry(keys[w.golden_id], scope.sync, target.system, target.object, w.golden_id,
                    "upsert", w.payload_hash, run_id=run_id)
        for w in writes
    )
    done: set[str] = set()
    creates = [w for w in writes if w.target_id is None]
    updates = [w for w in writes if w.target_id is not None and w.action != "delete"]
    deletes = [w for w in writes if w.action == "delete"]
    golden_of_target = {w.target_id: w.golden_id for w in updates + deletes}
    try:
        # New records: upsert on our external id, so a retry after a lost response finds
        # the record it created. Known records (also ones adopted by key, which do not
        # carry our external id yet): update by Id, which is idempotent too.
        for batch in client.upsert(target.object, target.external_id, [w.payload for w in creates]):
            _record_batch(scope, led, batch, by_golden, keys, result, run_id, partition)
            done.update(r.key for r in batch)
        for batches in (
            client.update(target.object, [{**w.payload, "Id": w.target_id} for w in updates]),
            client.delete([w.target_id for w in deletes if w.target_id]),
        ):
            for batch in batches:
                batch = [replace(r, key=golden_of_target.get(r.key, r.key)) for r in batch]
                _record_batch(scope, led, batch, by_golden, keys, result, run_id, partition)
                done.update(r.key for r in batch)
    finally:
        # Not sent at all (a limit stopped us): back to pending, nothing uncertain about them.
        left = [keys[g] for g in by_golden if g not in done]
        if left:
            led.mark(left, "pending")


def _written_match_keys(scope: StepScope, done: list[tuple[WriteResult, PlannedWrite]]
                        ) -> dict[str, dict[str, str | None]]:
    """The match keys our writes gave their target records, as target_state would mirror
    them on reading the records back (it does not read back our own creations)."""
    keys: dict[str, dict[str, str | None]] = {}
    for r, w in done:
        if not r.record_id:
            continue
        if w.action == "delete":
            keys[r.record_id] = dict.fromkeys(scope.obj.match_on)
        else:
            keys[r.record_id] = {f: match_value(w.payload[f]) if w.payload[f] else None
                                 for f in scope.obj.match_on if f in w.payload}
    return keys


def _record_batch(scope: StepScope, led: Ledger, batch: list[WriteResult],
                  by_golden: dict[str, PlannedWrite], keys: dict[str, str],
                  result: ApplyResult, run_id: str, partition: str) -> None:
    target = scope.obj.target
    ok = [r for r in batch if r.success and r.record_id]
    bad = [r for r in batch if not (r.success and r.record_id)]
    ok_keys = {r.key for r in ok}
    if ok:
        # Each of these is its own transaction, and the content hash goes last (below): a
        # stored hash equal to the planned one makes the next plan call the write done
        # ("unchanged"). Bookkeeping cut short before it (a crash) has the next run send
        # the write again, which is harmless (creates upsert on our external id, updates
        # go by Id, a delete found done counts as done), and complete it.
        led.mark([keys[r.key] for r in ok], "confirmed",
                 target_ids={keys[r.key]: r.record_id for r in ok if r.record_id})
        led.link(XrefLink(scope.obj.entity, r.key, target.system, target.object, r.record_id,
                          "written") for r in ok if r.record_id)
        led.put_match_keys(target.system, target.object,
                           _written_match_keys(scope, [(r, by_golden[r.key]) for r in ok]))
        for r in ok:
            result.written[r.key] = r.record_id or ""
            action = by_golden[r.key].action
            created = r.created if r.created is not None else action == "create"
            if action == "delete":
                result.deleted += 1
            elif created:
                result.created += 1
            else:
                result.updated += 1
    if bad:
        errors = {r.key: "; ".join(f"{e.status_code}: {e.message}" for e in r.errors) or "unknown error"
                  for r in bad}
        led.mark([keys[r.key] for r in bad], "failed", errors={keys[k]: v for k, v in errors.items()})
        led.quarantine(
            QuarantineRow(scope.sync, scope.obj_name, by_golden[r.key].source_key,
                          f"{target.system}.{r.errors[0].status_code if r.errors else 'ERROR'}",
                          (r.errors[0].fields[0] if r.errors and r.errors[0].fields else None),
                          errors[r.key], payload=jsonable(by_golden[r.key].payload),
                          run_id=run_id, partition=partition)
            for r in bad
        )
        for r in bad:
            result.failed[by_golden[r.key].source_key] = errors[r.key]
    led.log(
        SyncLogRow(run_id, scope.sync, partition, target.system, target.object,
                   by_golden[r.key].source_key, by_golden[r.key].action,
                   "ok" if r.key in ok_keys else "failed",
                   None if r.key in ok_keys else result.failed.get(by_golden[r.key].source_key))
        for r in batch
    )
    if ok:
        led.put_hashes(target.system, target.object,
                       {r.key: by_golden[r.key].payload_hash for r in ok})
