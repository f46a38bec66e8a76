"""Schedules shared by the syncs."""

from __future__ import annotations

import dagster as dg

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def range_tags(start: str, end: str) -> dict[str, str]:
    """Tags that make one run cover a partition range (the assets' single-run policy)."""
    return {RANGE_START: start, RANGE_END: end}


def hourly_range_schedule(
    job: dg.UnresolvedAssetJobDefinition, partitions: dg.DailyPartitionsDefinition, *, minute: int
) -> dg.ScheduleDefinition:
    """Every hour, one run over yesterday and today.

    Re-reading yesterday catches rows committed after the last run before midnight;
    it costs nothing in writes because unchanged records are skipped by their hash.
    """

    @dg.schedule(
        name=f"{job.name}_hourly",
        job=job,
        cron_schedule=f"{minute} * * * *",
        execution_timezone=partitions.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def _hourly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        keys = partitions.get_partition_keys(current_time=context.scheduled_execution_time)
        start, end = (keys[-2], keys[-1]) if len(keys) > 1 else (keys[-1], keys[-1])
        return dg.RunRequest(tags=range_tags(start, end))

    return _hourly
