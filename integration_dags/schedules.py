"""Schedules shared by the syncs."""

from datetime import datetime

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def range_tags(start: str, end: str) -> dict[str, str]:
    """Tags that make one run cover a partition range (the assets' single-run policy)."""
    return {RANGE_START: start, RANGE_END: end}


def incremental_range(
    partitions: dg.TimeWindowPartitionsDefinition, current_time: datetime | None = None
) -> tuple[str, str]:
    """Yesterday and today: re-reading yesterday catches rows committed after the last run
    before midnight, at no write cost because unchanged records are skipped by hash."""
    keys = partitions.get_partition_keys(current_time=current_time)
    return (keys[-2], keys[-1]) if len(keys) > 1 else (keys[-1], keys[-1])


def hourly_range_schedule(
    job: UnresolvedAssetJobDefinition, partitions: dg.DailyPartitionsDefinition, *, minute: int
) -> dg.ScheduleDefinition:
    """Every hour, one run over the incremental range (yesterday and today)."""

    @dg.schedule(
        name=f"{job.name}_hourly",
        job=job,
        cron_schedule=f"{minute} * * * *",
        execution_timezone=partitions.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def _hourly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        start, end = incremental_range(partitions, context.scheduled_execution_time)
        return dg.RunRequest(tags=range_tags(start, end))

    return _hourly
