"""Run one sync as a real Dagster run: the initial load over every partition, then the
incremental range the hourly schedule uses."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from integration_dags.schedules import incremental_range, range_tags
from integration_dags.summary import empty_summary, summarise_run


def console_logs() -> dict[str, Any]:
    """Run config for Dagster's console logger: warnings and errors unless
    CONCORD_LOG_LEVEL asks for more (DEBUG shows every event). The run's full event log is
    in the instance either way (`make ui`)."""
    level = os.environ.get("CONCORD_LOG_LEVEL", "WARNING").upper()
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def initial_load_done(instance: dg.DagsterInstance, sync: str) -> bool:
    """True once every object of the sync has been reconciled at least once."""
    from integration_dags.definitions import SYNCS

    spec = SYNCS[sync].SPEC
    return all(
        instance.get_latest_materialization_event(dg.AssetKey([sync, f"{obj}_reconciled"])) is not None
        for obj in spec.objects
    )


def run_sync(
    name: str,
    *,
    instance: dg.DagsterInstance | None = None,
    partition_range: tuple[str, str] | None = None,
    full: bool = False,
) -> tuple[bool, dict[str, Any]]:
    """Execute the sync's job in this process, recorded in the Dagster instance.

    Without a range: every partition from the spec's start to today (one run) the first
    time or with `full`, afterwards yesterday and today as the hourly schedule does.
    Either way re-running is safe: unchanged records are skipped by their content hash.
    """
    from integration_dags.definitions import defs

    job = defs.resolve_job_def(name)
    partitions = job.partitions_def
    assert isinstance(partitions, dg.TimeWindowPartitionsDefinition), f"{name}: daily partitions"
    instance = instance or dg.DagsterInstance.get()
    if partition_range is None:
        if full or not initial_load_done(instance, name):
            keys = partitions.get_partition_keys()
            partition_range = (keys[0], keys[-1])
        else:
            partition_range = incremental_range(partitions)
    result = job.execute_in_process(
        instance=instance, tags=range_tags(*partition_range), raise_on_error=False,
        run_config=console_logs())
    summary = summarise_run(result.all_events).get(name) or empty_summary()
    return result.success, summary
