"""Apply step: batched, idempotent upserts through the outbox, results into the ledger."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Self

import dagster as dg

from assets.steps.common import (
    STEP_RETRY,
    StepScope,
    api_call_metadata,
    counts_calls_of_failed_attempts,
    fails_at_once_if_permanent,
    jsonable,
    partition_label,
)
from assets.steps.twoway import apply_two_way, ownership_of
from concord.errors import FatalError, RateLimitExhausted
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
    written: set[str] = field(default_factory=set)              # golden ids written
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
    @counts_calls_of_failed_attempts
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
                _send(scope, led, client, to_send, result, _Runs.of(context, scope),
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


@dataclass(frozen=True)
class _Runs:
    """This run, and the runs whose plan it applies: the ones it re-executes.

    Dagster's retry of the step runs the same plan in the same run. The UI's "re-execute
    from failure" makes a new run that loads the plan its parent run made (the plan step
    succeeded there, so it does not run again): a write settled by that parent is done,
    not to be sent, logged and counted again. A re-execution that plans afresh shares
    nothing with its parents (the content hash decides there)."""

    this: str
    sharing_plan: frozenset[str]

    @classmethod
    def of(cls, context: dg.AssetExecutionContext, scope: StepScope) -> Self:
        run = context.run
        runs = {run.run_id}
        selected = run.step_keys_to_execute
        if selected is not None and scope.key("plan").to_python_identifier() not in selected:
            while run is not None and run.parent_run_id and run.parent_run_id not in runs:
                runs.add(run.parent_run_id)
                run = context.instance.get_run_by_id(run.parent_run_id)
        return cls(context.run.run_id, frozenset(runs))


def _send(scope: StepScope, led: Ledger, client, writes: list[PlannedWrite],
          result: ApplyResult, runs: _Runs, partition: str) -> None:
    target = scope.obj.target
    book = _Bookkeeping.start(scope, led, writes, result, runs, partition,
                              by_bulk=client.upserts_by_bulk)
    writes = book.not_done_by_this_plan(writes)
    led.send(book.entries(writes))
    creates = [w for w in writes if w.target_id is None]
    updates = [w for w in writes if w.target_id is not None and w.action != "delete"]
    deletes = [w for w in writes if w.action == "delete"]
    golden_of_target = {w.target_id: w.golden_id for w in updates + deletes}
    try:
        # New records: upsert on our external id, so a retry after a lost response finds
        # the record it created. Known records (also ones adopted by key, which do not
        # carry our external id yet): update by Id, which is idempotent too.
        for batch in client.upsert(target.object, target.external_id, [w.payload for w in creates]):
            book.record(batch)
        for batches in (
            client.update(target.object, [{**w.payload, "Id": w.target_id} for w in updates]),
            client.delete([w.target_id for w in deletes if w.target_id]),
        ):
            for batch in batches:
                book.record([replace(r, key=golden_of_target.get(r.key, r.key)) for r in batch])
    except RateLimitExhausted:
        # Refused before it was applied (the budget, or the org's limit): not sent at all,
        # unless it had gone out before (below).
        book.mark_left(writes, "pending")
        raise
    except BaseException:
        # A call may have gone out and been applied (a lost response, a crash in the
        # bookkeeping): uncertain. The next attempt sends them again, which reads them back
        # as it writes: creates upsert on our external id, updates and deletes go by Id.
        book.mark_left(writes, "uncertain")
        raise


@dataclass
class _Bookkeeping:
    """What the ledger keeps of one apply attempt's writes, batch by batch.

    The outbox holds one entry per write call's unit: a record in an sObject Collections
    call (each is applied on its own), or a whole Bulk API job (one upload, applied as a
    job; its records' outcomes go to the sync log). A load's 200,000 creates are one
    entry, not 200,000 written before the upload and updated after it."""

    scope: StepScope
    led: Ledger
    by_golden: dict[str, PlannedWrite]
    result: ApplyResult
    runs: _Runs
    partition: str
    keys: dict[str, str] = field(default_factory=dict)   # golden id -> its outbox entry
    job: str | None = None                               # the Bulk job's entry
    job_left: frozenset[str] = frozenset()               # its golden ids without a result
    done: set[str] = field(default_factory=set)          # golden ids with a result
    tried_before: set[str] = field(default_factory=set)  # went out before without a result

    @classmethod
    def start(cls, scope: StepScope, led: Ledger, writes: list[PlannedWrite],
              result: ApplyResult, runs: _Runs, partition: str, *,
              by_bulk: Callable[[int], bool]) -> Self:
        """The bookkeeping of these writes, each with its outbox key. When the client
        sends the creates as one Bulk API job (`by_bulk` of their number), they share the
        job's entry, keyed by what it writes (in any order), so a retry of the same plan
        finds it."""
        target = scope.obj.target
        by_golden = {w.golden_id: w for w in writes}
        if len(by_golden) != len(writes):  # results come back by golden id: one write each
            twice = next(g for g, n in Counter(w.golden_id for w in writes).items() if n > 1)
            raise FatalError(f"the plan writes {target.object} record {twice} twice in one run")
        book = cls(scope, led, by_golden, result, runs, partition)
        creates = [w.golden_id for w in writes if w.target_id is None]
        if by_bulk(len(creates)):
            book.job = idempotency_key(
                scope.sync, target.system, target.object, "bulk_upsert",
                *sorted(f"{g}:{by_golden[g].payload_hash}" for g in creates))
            book.keys.update(dict.fromkeys(creates, book.job))
            book.job_left = frozenset(creates)
        book.keys.update((w.golden_id, book.own_key(w)) for w in writes
                         if w.golden_id not in book.keys)
        return book

    def own_key(self, w: PlannedWrite) -> str:
        target = self.scope.obj.target
        return idempotency_key(self.scope.sync, target.system, target.object, w.golden_id,
                               w.payload_hash)

    def entries(self, writes: list[PlannedWrite]) -> list[OutboxEntry]:
        target, job = self.scope.obj.target, self.job
        out = [OutboxEntry(self.keys[w.golden_id], self.scope.sync, target.system,
                           target.object, w.golden_id, "upsert", w.payload_hash,
                           run_id=self.runs.this)
               for w in writes if self.keys[w.golden_id] != job]
        if job is not None and self.job_left:
            out.append(OutboxEntry(job, self.scope.sync, target.system, target.object,
                                   f"bulk job of {len(self.job_left)}", "bulk_upsert", job,
                                   run_id=self.runs.this))
        return out

    def not_done_by_this_plan(self, writes: list[PlannedWrite]) -> list[PlannedWrite]:
        """The writes still to send. A retry of this step (Dagster's: same run, same plan)
        or a re-execution of its run (`_Runs`) finds the ones an earlier attempt settled,
        whose bookkeeping is whole (one transaction): confirmed or failed, they are counted
        as that attempt logged them, not sent or logged twice. Writes that went out
        without a result (sent, uncertain) are sent again."""
        stored = self.led.get_outbox(set(self.keys.values()))
        if not stored:
            return writes
        job = stored.get(self.job) if self.job is not None else None
        if job is not None and job.state == "confirmed" and job.run_id in self.runs.sharing_plan:
            writes = self._count_job_from_log(writes, job)
            self._read_back_from(job)
        left = []
        for w in writes:
            entry = stored.get(self.keys[w.golden_id])
            if entry is None or entry.run_id not in self.runs.sharing_plan or entry.state not in (
                    "confirmed", "failed"):
                if entry is not None and entry.state in ("sent", "uncertain"):
                    self.tried_before.add(w.golden_id)
                left.append(w)
            elif entry.state == "confirmed":
                self._count(w.golden_id, w.action == "create")
                self._read_back_from(entry)
            else:  # failed in this run: quarantined and logged then
                self.result.failed[w.source_key] = entry.error or "failed"
        return left

    def _read_back_from(self, entry: OutboxEntry) -> None:
        """The reconcile step reads a load's writes back from `started_at`: from the
        earlier attempt's, too."""
        if entry.created_at is not None and self.result.started_at is not None:
            self.result.started_at = min(self.result.started_at, entry.created_at)

    def _count_job_from_log(self, writes: list[PlannedWrite], job: OutboxEntry
                            ) -> list[PlannedWrite]:
        """An earlier attempt's Bulk job is done: its records' outcomes are in the sync log
        of the run that sent it (stored with the job's confirmation). The rest of the writes
        is left; a record of the job missing from the log (it cannot be, but if) is sent on
        its own."""
        target = self.scope.obj.target
        logged = {r.record_key: r for r in self.led.sync_log(
            run_id=job.run_id, system=target.system, obj=target.object) if r.action == "create"}
        left = []
        for w in writes:
            row = logged.get(w.source_key) if w.golden_id in self.job_left else None
            if w.golden_id in self.job_left and row is None:
                self.keys[w.golden_id] = self.own_key(w)
            if row is None:
                left.append(w)
            elif row.outcome == "ok":
                self._count(w.golden_id, created=True)
            else:
                self.result.failed[w.source_key] = row.error or "failed"
        self.job_left = frozenset()
        return left

    def mark_left(self, writes: list[PlannedWrite], state: str) -> None:
        """Unfinished writes to `state`; but a write that went out before (an earlier
        attempt's, or this Bulk job, which the org may be processing) stays uncertain."""
        left = [w.golden_id for w in writes if w.golden_id not in self.done]
        uncertain = {self.keys[g] for g in left if g in self.tried_before or g in self.job_left}
        for keys, to in ((uncertain, "uncertain"),
                         ({self.keys[g] for g in left} - uncertain, state)):
            if keys:
                self.led.mark(sorted(keys), to)

    def record(self, batch: list[WriteResult]) -> None:
        led, target, by_golden, keys = self.led, self.scope.obj.target, self.by_golden, self.keys
        ok = [r for r in batch if r.success and r.record_id]
        bad = [r for r in batch if not (r.success and r.record_id)]
        ok_keys = {r.key for r in ok}
        errors = {r.key: "; ".join(f"{e.status_code}: {e.message}" for e in r.errors)
                  or "unknown error" for r in bad}
        job_left = self.job_left - {r.key for r in batch}
        own = {r.key for r in batch if keys[r.key] != self.job}  # entries of their own
        # One transaction: a write's confirmation, link, match keys, log line and content
        # hash are stored whole or not at all. A stored hash equal to the planned one makes
        # the next plan call the write done ("unchanged"), so it must never outlive a lost
        # link; and a retry of this step skips exactly the writes settled here. (The rows
        # are made as each call takes them: a load's 200,000 at once would cost ~40 MB.)
        with led.transaction():
            if ok_keys & own:
                led.mark([keys[r.key] for r in ok if r.key in own], "confirmed",
                         target_ids={keys[r.key]: r.record_id for r in ok if r.key in own})
            if errors.keys() & own:
                led.mark([keys[r.key] for r in bad if r.key in own], "failed",
                         errors={keys[k]: v for k, v in errors.items() if k in own})
            led.link(XrefLink(self.scope.obj.entity, r.key, target.system, target.object,
                              r.record_id, "written") for r in ok if r.record_id)
            led.put_match_keys(target.system, target.object, _written_match_keys(
                self.scope, [(r, by_golden[r.key]) for r in ok]))
            led.quarantine(
                QuarantineRow(self.scope.sync, self.scope.obj_name, by_golden[r.key].source_key,
                              f"{target.system}.{r.errors[0].status_code if r.errors else 'ERROR'}",
                              (r.errors[0].fields[0] if r.errors and r.errors[0].fields else None),
                              errors[r.key], payload=jsonable(by_golden[r.key].payload),
                              run_id=self.runs.this, partition=self.partition)
                for r in bad)
            led.log(SyncLogRow(self.runs.this, self.scope.sync, self.partition, target.system,
                               target.object, by_golden[r.key].source_key,
                               by_golden[r.key].action,
                               "ok" if r.key in ok_keys else "failed", errors.get(r.key))
                    for r in batch)
            led.put_hashes(target.system, target.object,
                           {r.key: by_golden[r.key].payload_hash for r in ok})
            if self.job is not None and self.job_left and not job_left:
                led.mark([self.job], "confirmed")  # every record of the job has its outcome
        # Counted once the ledger holds them, so a retry starts from what was kept.
        self.job_left = job_left
        for r in ok:
            # An upsert that found the record did not create it, unless the record is
            # from an earlier attempt of this write that never got its result.
            self._count(r.key, r.created is not False or r.key in self.tried_before)
        for r in bad:
            self.result.failed[by_golden[r.key].source_key] = errors[r.key]
        self.done.update(r.key for r in batch)

    def _count(self, golden_id: str, created: bool) -> None:
        self.result.written.add(golden_id)
        action = self.by_golden[golden_id].action
        if action == "delete":
            self.result.deleted += 1
        elif action == "create" and created:
            self.result.created += 1
        else:
            self.result.updated += 1


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
