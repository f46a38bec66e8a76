"""Near-real-time: start a sync when the platform's own change feed moves."""

from __future__ import annotations

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from integration_dags.schedules import incremental_range, range_tags
from resources.platform import PlatformDatabase


def platform_change_sensor(
    job: UnresolvedAssetJobDefinition,
    partitions: dg.TimeWindowPartitionsDefinition,
    tables: list[str],
    *,
    interval_seconds: int = 120,
) -> dg.SensorDefinition:
    """Every `interval_seconds`, one cheap query of the platform's edit history (as Point of
    Rental's Edit History drives its sync, seeds/003); a run when it moved since the cursor.

    The run covers yesterday and today like the hourly schedule, so an edit is in the
    target within one interval plus one run. Its run key is the newest edit id, so a
    re-evaluated tick never starts the same run twice.
    """

    @dg.sensor(
        name=f"{job.name}_platform_changes",
        job=job,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext, platform: PlatformDatabase):
        latest = platform.latest_change_id(tables)
        seen = int(context.cursor) if context.cursor else 0
        if latest is None or latest <= seen:
            return dg.SkipReason(f"no platform edits since change {seen}")
        context.update_cursor(str(latest))
        start, end = incremental_range(partitions)
        return dg.RunRequest(run_key=f"platform-edit-{latest}", tags=range_tags(start, end))

    return _sensor
