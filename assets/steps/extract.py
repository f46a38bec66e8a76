"""Extract steps: the source rows of a partition window, and the target's recent changes."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from assets.steps.common import (
    STEP_RETRY,
    StepScope,
    api_call_metadata,
    counts_calls_of_failed_attempts,
    fails_at_once_if_permanent,
)
from assets.steps.twoway import TargetChanges, ownership_of, target_fields
from concord.ledger import XrefLink
from concord.match import match_value
from concord.model import SourceRecord
from concord.plan import DELETED_BY_CONCORD, DELETED_IN_TARGET
from resources.ledger import LedgerResource
from resources.platform import PlatformDatabase
from resources.salesforce.resource import SalesforceResource

# Read up to now, but advance the cursor only to a little before now and re-read an
# overlap next time: a row stamped earlier but committed late is still seen (DESIGN.md).
CURSOR_OVERLAP = timedelta(minutes=5)
CURSOR_LAG = timedelta(seconds=30)


def build_source_extract(scope: StepScope) -> dg.AssetsDefinition:
    @dg.asset(
        **scope.asset_kwargs("source", f"{scope.obj.source.table} rows modified in the partition"),
        retry_policy=STEP_RETRY,
        kinds={"sqlite"},
    )
    @fails_at_once_if_permanent
    def _extract(context: dg.AssetExecutionContext, platform: PlatformDatabase) -> list[SourceRecord]:
        window = context.partition_time_window
        source = scope.obj.source
        rows = platform.extract(source, window.start, window.end)
        if source.scope and rows:
            unknown = sorted(set(source.scope) - set(rows[0].values))
            if unknown:
                raise dg.Failure(f"scope names {unknown}, not columns of {source.table} "
                                 "or its lookups: fix the sync spec", allow_retries=False)
        # Selective sync: rows outside the scope are not this sync's business at all.
        records = [r for r in rows if source.in_scope(r.values)]
        context.add_output_metadata({
            "extracted": len(records),
            "out_of_scope": len(rows) - len(records),
            "deleted": sum(r.deleted for r in records),
            "window": f"{window.start.isoformat()} .. {window.end.isoformat()}",
        })
        return records

    return _extract


def build_target_extract(scope: StepScope) -> dg.AssetsDefinition:
    target = scope.obj.target

    @dg.asset(
        **scope.asset_kwargs("target_state", f"{target.object} records changed in {target.system}"),
        retry_policy=STEP_RETRY,
        kinds={"salesforce"},
    )
    @counts_calls_of_failed_attempts
    @fails_at_once_if_permanent
    def _target_state(
        context: dg.AssetExecutionContext, salesforce: SalesforceResource, ledger: LedgerResource
    ) -> TargetChanges:
        """Mirror the target's match keys, re-link records carrying our external id, and
        note our records someone deleted there (the plan reports them, never re-creates).

        Incremental by SystemModstamp from the ledger cursor (queryAll, so deletes show), so
        an unchanged org costs one query call; Concord's own writes are left out unless it
        updated a record since the last read (a load's own writes are not read back). A
        record carrying our external id but not in the xref is re-linked. A two-way object
        also hands its changed records on (every mapped field) and leaves the cursor to
        apply.
        """
        led = ledger.open()
        client = salesforce.get_client()
        cursor = led.get_cursor(scope.sync, target.system, target.object)
        now = datetime.now(UTC)
        since = cursor - CURSOR_OVERLAP if cursor else None
        two_way = ownership_of(scope) is not None
        fields = target_fields(scope)
        rows: dict[str, dict] = {}
        keys: dict[str, dict[str, str | None]] = {}
        links = []
        deleted: list[str] = []  # golden ids whose target record someone deleted
        seen = 0
        # Our own writes are left out, but for the records we updated since the last read
        # (someone may have edited them meanwhile); apply mirrors the keys of the others.
        last_read = cursor + CURSOR_LAG if cursor else None
        for row in client.changed_since(target.object, fields, since=since, until=now,
                                        include_deleted=True, last_read=last_read):
            seen += 1
            golden = row.get(target.external_id)
            if row.get("IsDeleted"):  # never adopt a deleted record; remember ours
                keys[row["Id"]] = dict.fromkeys(scope.obj.match_on)
                if golden:
                    deleted.append(golden)
                continue
            keys[row["Id"]] = {f: (match_value(row[f]) if row.get(f) else None)
                               for f in scope.obj.match_on}
            if two_way:
                rows[row["Id"]] = row
            if golden:
                links.append(XrefLink(scope.obj.entity, golden, target.system, target.object,
                                      row["Id"], "external_id"))
        if keys:
            led.put_match_keys(target.system, target.object, keys)
        if links:
            led.link(links)
        known = led.get_hashes(target.system, target.object, deleted)
        by_others = {g: DELETED_IN_TARGET for g in deleted if known.get(g) != DELETED_BY_CONCORD}
        if by_others:
            led.put_hashes(target.system, target.object, by_others)
        if not two_way:
            led.set_cursor(scope.sync, target.system, target.object, now - CURSOR_LAG)
        context.add_output_metadata({"seen": seen, "linked_by_external_id": len(links),
                                     "deleted_in_target": len(by_others),
                                     **api_call_metadata(client.calls.as_dict())})
        return TargetChanges(seen=seen, until=now - CURSOR_LAG, rows=rows)

    return _target_state
