"""Near-real-time: start a sync when either side moved — the platform's change feed or a
Salesforce record someone other than Concord changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from concord.errors import ConcordError
from integration_dags.schedules import incremental_range, range_tags
from resources.platform import PlatformDatabase
from resources.salesforce.resource import SalesforceResource

NOTHING_YET = datetime(1970, 1, 1, tzinfo=UTC).isoformat()


def read_cursor(text: str | None) -> dict:
    """{"platform": newest edit id, "salesforce": {sobject: ISO SystemModstamp}}; a bare
    number is the platform-only cursor of earlier versions."""
    if not text:
        return {"platform": 0, "salesforce": {}}
    if text.strip().isdigit():
        return {"platform": int(text), "salesforce": {}}
    cursor = json.loads(text)
    return {"platform": int(cursor.get("platform") or 0),
            "salesforce": dict(cursor.get("salesforce") or {})}


def salesforce_moves(client, sobjects: Sequence[str], seen: dict[str, str]
                     ) -> tuple[dict[str, str], list[str]]:
    """The new per-object cursor and the objects someone else changed since it. An object
    seen for the first time only sets its cursor: its history is the initial load's job."""
    cursor, moved = dict(seen), []
    for sobject in sobjects:
        since = datetime.fromisoformat(seen[sobject]) if sobject in seen else None
        newest = client.newest_change_by_others(sobject, since=since)
        if newest is not None and (since is None or newest > since):
            # SOQL datetime literals stop at the second: the last change comes back again.
            cursor[sobject] = newest.isoformat()
            if since is not None:
                moved.append(sobject)
        elif since is None:
            cursor[sobject] = NOTHING_YET  # so the first change anyone makes counts
    return cursor, moved


def change_sensor(
    job: UnresolvedAssetJobDefinition,
    partitions: dg.TimeWindowPartitionsDefinition,
    tables: list[str],
    sobjects: list[str],
    *,
    interval_seconds: int = 120,
) -> dg.SensorDefinition:
    """Every `interval_seconds`: one cheap query of the platform's edit history (as Point of
    Rental's Edit History drives its sync, seeds/003) and one per Salesforce object for the
    newest SystemModstamp not written by Concord's own user; a run when either moved.

    The run covers yesterday and today like the hourly schedule, so an edit is in the other
    system within one interval plus one run. The run key is the cursor, so a re-evaluated
    tick never starts the same run twice. Salesforce unreachable: the platform side still
    works and the failure is logged.
    """

    @dg.sensor(
        name=f"{job.name}_changes",
        job=job,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext, platform: PlatformDatabase,
                salesforce: SalesforceResource):
        cursor = read_cursor(context.cursor)
        latest = platform.latest_change_id(tables)
        platform_moved = latest is not None and latest > cursor["platform"]
        if platform_moved:
            cursor["platform"] = latest
        moved: list[str] = []
        if sobjects:
            try:
                cursor["salesforce"], moved = salesforce_moves(
                    salesforce.get_client(), sobjects, cursor["salesforce"])
            except ConcordError as exc:
                context.log.warning(f"Salesforce not checked for changes: {exc}")
        new_cursor = json.dumps(cursor, sort_keys=True)
        if new_cursor != (context.cursor or ""):
            context.update_cursor(new_cursor)
        if not (platform_moved or moved):
            return dg.SkipReason(f"no changes since platform edit {cursor['platform']} "
                                 f"and Salesforce {cursor['salesforce'] or 'first look'}")
        start, end = incremental_range(partitions)
        sides = (["platform"] if platform_moved else []) + [f"salesforce:{o}" for o in moved]
        return dg.RunRequest(run_key=f"changes-{new_cursor}", tags={
            **range_tags(start, end), "concord/changed": ",".join(sides)})

    return _sensor
