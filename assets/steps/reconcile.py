"""Reconcile step: the counts add up, and the target holds what we wrote."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import dagster as dg

from assets.steps.apply import ApplyResult
from assets.steps.common import (
    StepScope,
    api_call_metadata,
    counts_calls_of_failed_attempts,
    partition_label,
    table_metadata,
)
from concord.dedupe import DedupeOutcome
from concord.ledger import SyncLogRow
from concord.match import MatchResult
from concord.model import SourceRecord, StandardRecord
from concord.plan import MERGED_AWAY, WritePlan
from concord.reconcile import SyncCounts, field_drift
from resources.ledger import LedgerResource
from resources.salesforce.resource import SalesforceResource

READ_BACK_MARGIN = timedelta(minutes=5)
READ_BACK_BY_KEY = 2_000  # writes read back by external id up to this many


def build_reconcile(scope: StepScope) -> dg.AssetsDefinition:
    target = scope.obj.target
    checks = [
        dg.AssetCheckSpec("counts_add_up", asset=scope.key("reconciled"),
                          description="extracted (+ changed only in the target) = created + "
                                      "updated + deleted + unchanged + quarantined + skipped"),
        dg.AssetCheckSpec("target_agrees", asset=scope.key("reconciled"),
                          description=f"{target.object} records read back equal what was written"),
    ]

    @dg.asset(
        **scope.asset_kwargs("reconciled", "Counts and a read-back of this run's writes"),
        ins={name: scope.step_in(step) for name, step in (
            ("source", "source"), ("standardised", "standardised"), ("deduped", "deduped"),
            ("matched", "matched"), ("plan", "plan"), ("applied", "applied"))},
        check_specs=checks,
    )
    @counts_calls_of_failed_attempts
    def _reconcile(
        context: dg.AssetExecutionContext,
        ledger: LedgerResource,
        salesforce: SalesforceResource,
        source: list[SourceRecord],
        standardised: list[StandardRecord],
        deduped: DedupeOutcome,
        matched: MatchResult,
        plan: WritePlan,
        applied: ApplyResult,
    ):
        deleted_in_source = sum(1 for r in source if r.deleted)  # planned by the delete policy
        rejected = len(source) - deleted_in_source - len(standardised)
        held = sum(len(c.members) for c in deduped.unresolved)
        counts = SyncCounts(
            extracted=len(source),
            created=applied.created,
            updated=applied.updated,
            deleted=applied.deleted,
            unchanged=plan.counts()["unchanged"],
            quarantined=rejected + len(applied.failed),
            # a merged-away record whose own target record gets flagged is counted by its
            # write (updated / quarantined), not as a skip
            skipped=len(deduped.merged) + len(matched.merged) + held + len(plan.skipped)
            - plan.noted(MERGED_AWAY),
            changed_in_target=plan.from_target,
        )
        written = {w.golden_id: w.payload for w in plan.to_send()
                   if w.golden_id in applied.written and w.action != "delete"}
        read_back = bool(written) and applied.started_at is not None
        actual: dict[str, dict] = {}
        calls: dict[str, int] = {}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-log") as pool:
            # The run's other outcomes go to the sync log while the org answers the
            # read-back: a load's query job is seconds of the org's time. The read-back's
            # rows are made in this thread, in the heap the earlier steps freed.
            logging = pool.submit(_log_outcomes, scope, ledger, context.run.run_id,
                                  partition_label(context), source, standardised, deduped,
                                  matched, plan)
            if read_back:
                actual, calls = _read_back(scope, salesforce, written, applied.started_at)
            logging.result()
        drift = field_drift(written, actual, list(scope.obj.fields)) if read_back else []
        yield dg.Output(counts.as_dict(), metadata={**counts.as_dict(), **api_call_metadata(calls),
                                                     "drift": len(drift)})
        yield dg.AssetCheckResult(
            check_name="counts_add_up", passed=counts.balanced,
            metadata={**counts.as_dict(), "accounted": counts.accounted},
        )
        yield dg.AssetCheckResult(
            check_name="target_agrees", passed=not drift,
            metadata={"checked": len(written), "drifted_fields": len(drift),
                      "drift": table_metadata(
                          [{"golden_id": d.golden_id, "field": d.field, "expected": d.expected,
                            "actual": d.actual} for d in drift],
                          ["golden_id", "field", "expected", "actual"])},
        )

    return _reconcile


def _read_back(scope: StepScope, salesforce: SalesforceResource, written: dict[str, dict],
               started_at: datetime) -> tuple[dict[str, dict], dict[str, int]]:
    """The target's records of this run's writes, by external id, and the calls it took."""
    target = scope.obj.target
    client = salesforce.get_client()
    wanted = [target.external_id, *scope.obj.fields]
    if len(written) <= READ_BACK_BY_KEY:
        # a few hundred ids an IN list: an hourly run's writes in a query or two
        rows = client.find_by(target.object, wanted, target.external_id, list(written))
    else:
        # a load's: one Bulk API query job by modification time (50,000 rows a page)
        # instead of thousands of IN lists; the margin covers clock skew
        rows = client.changed_since(
            target.object, wanted, since=started_at - READ_BACK_MARGIN,
            until=datetime.now(UTC), include_deleted=False, bulk=True)
    actual = {row[target.external_id]: row for row in rows
              if row.get(target.external_id) in written}
    return actual, client.calls.as_dict()


def _log_outcomes(scope, ledger, run_id: str, part: str, source, standardised, deduped, matched,
                  plan) -> None:
    """Sync-log rows for records that were not written (apply logs the writes itself). Runs
    in a worker thread: it takes the run id and partition, not Dagster's step context."""
    target = scope.obj.target
    valid = {r.key for r in standardised}
    held = {m for c in deduped.unresolved for m in c.members}
    merged_away = {m.key for m in matched.merged}

    def row(key: str, action: str, outcome: str, error: str | None = None) -> SyncLogRow:
        return SyncLogRow(run_id, scope.sync, part, target.system, target.object, key,
                          action, outcome, error)

    rows = []
    for r in source:
        if r.deleted:
            continue  # in the plan: a delete/flag write or a skip with its reason
        if r.key not in valid:
            rows.append(row(r.key, "quarantine", "skipped", "failed standardisation"))
        elif r.key in deduped.merged:
            rows.append(row(r.key, "skip", "skipped", f"duplicate of {deduped.merged[r.key]}"))
        elif r.key in held:
            rows.append(row(r.key, "skip", "skipped", "waiting for a duplicate decision"))
        elif r.key in merged_away:
            rows.append(row(r.key, "skip", "skipped", "duplicate of an entity synced earlier"))
    rows.extend(row(w.source_key, "unchanged", "ok") for w in plan.writes if w.action == "unchanged")
    rows.extend(row(k.source_key, "skip", "skipped", k.reason) for k in plan.skipped)
    ledger.open().log(rows)
