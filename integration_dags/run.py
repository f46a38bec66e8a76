"""Run one sync as a real Dagster run: the initial load over every partition, then the
incremental range the hourly schedule uses."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg

from integration_dags.schedules import incremental_range, range_tags
from integration_dags.summary import empty_summary, summarise_run

STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")
EVENT_BATCH_SIZE = 1000
RUN_GC_THRESHOLD = 100_000
"""Allocations between young-generation collections during a run (Python's default: 700).
A run builds a few objects per record per step, hundreds of thousands at once, none of
them in cycles worth chasing that often: measured 15% of an initial load's time."""


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


def sync_instance() -> dg.DagsterInstance:
    """The instance of DAGSTER_HOME. On Dagster's default storage (SQLite, nothing
    configured) the event log is written through `PooledSqliteEventLogStorage`: the same
    files in the same place, but a range run records ~3,700 events, which the stock
    storage writes over a fresh connection each."""
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.instance.ref import InstanceRef
    from dagster._core.storage.sqlite_storage import _event_logs_directory

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.get()  # raises the usual "DAGSTER_HOME is not set"
    config, custom_class = dagster_instance_config(home)
    if custom_class or any(config.get(k) for k in STORAGE_KEYS):
        return dg.DagsterInstance.get()  # PostgreSQL or otherwise configured: as is
    # Dagster hands a range's per-partition asset events to the storage as one batch only
    # when this is set; the pooled storage writes such a batch in one transaction.
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))
    ref = InstanceRef.from_dir(home, overrides={"event_log_storage": {
        "module": "resources.event_log", "class": "PooledSqliteEventLogStorage",
        "config": {"base_dir": _event_logs_directory(home)}}})
    return dg.DagsterInstance.from_ref(ref)


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
    instance = instance or sync_instance()
    if partition_range is None:
        if full or not initial_load_done(instance, name):
            keys = partitions.get_partition_keys()
            partition_range = (keys[0], keys[-1])
        else:
            partition_range = incremental_range(partitions)
    with _batch_gc():
        result = _execute_without_output_capture(
            job, instance=instance, tags=range_tags(*partition_range), run_config=console_logs())
    summary = summarise_run(result.all_events).get(name) or empty_summary()
    return result.success, summary


def _execute_without_output_capture(
    job: dg.JobDefinition, *, instance: dg.DagsterInstance, tags: dict[str, str],
    run_config: dict[str, Any],
) -> dg.ExecuteInProcessResult:
    """`job.execute_in_process(raise_on_error=False)`, minus its capture of every step's
    output value for the result object: that kept all of a run's step outputs (several
    copies of every record) alive until the run ended, 3 GB at 100,000 companies. The
    step store has them on disk; a step's output is freed once the next ones are done."""
    try:
        from dagster._core.definitions.job_base import InMemoryJob
        from dagster._core.execution.execute_in_process import (
            core_execute_in_process,
            merge_run_tags,
        )
    except ImportError:  # a Dagster that moved them: the public call, capture and all
        return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False,
                                      run_config=run_config)
    ephemeral = job.as_ephemeral_job(resource_defs={}, input_values={})
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=False,
        run_tags=merge_run_tags(job_def=job, partition_key=None, tags=tags,
                                asset_selection=None, instance=instance, run_config=run_config),
        asset_selection=frozenset(),
    )


@contextmanager
def _batch_gc() -> Iterator[None]:
    """Collect cycles less often during a run, and never rescan what was loaded before it
    (definitions, libraries); Python's defaults come back afterwards."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(RUN_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
