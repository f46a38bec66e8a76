"""Run one sync as a real Dagster run: the initial load over every partition, then the
incremental range the hourly schedule uses."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg

from integration_dags.schedules import RANGE_END, RANGE_START, incremental_range, range_tags
from integration_dags.summary import empty_summary, summarise_run
from resources.step_store import freezing_stored_outputs

STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")
EVENT_BATCH_SIZE = 1000
SPEC_TAG = "concord/spec"
"""A digest of the sync spec a run was made with: a resumed run must map as its parent did."""
REUSED_STEPS = ("_source", "_standardised")
"""Steps whose outputs a run resumed after the duplicate check takes from the step store."""
RESUMED_TAG = "concord/resumed-from"
"""On a resumed run: the run whose extracted and standardised records it used."""
RUN_GC_THRESHOLDS = (1_000_000, 100, 100)
"""The collector's thresholds during a run (Python's defaults: 700, 10, 10). A run builds
a few objects per record per step, hundreds of thousands at once, nearly all of them a
step's output and none in cycles worth chasing often: young collections at Python's
default were 15% of an initial load's time. Each step's garbage is collected once when
it stores its output (`freezing_stored_outputs`); between, a young collection comes only
once a million more tracked objects were made than freed, a middle-generation one after
a hundred young ones, and a full one after a hundred of those (and Python's own rule that
a quarter of the long-lived objects must be new)."""


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


def sync_instance(home: str | None = None) -> dg.DagsterInstance:
    """The instance of `home` (default DAGSTER_HOME). On Dagster's default storage (SQLite,
    nothing configured) the event log is written through `PooledSqliteEventLogStorage`:
    the same files in the same place, but a range run records ~3,700 events, which the
    stock storage writes over a fresh connection each (and the in-memory one one by one)."""
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.instance.ref import InstanceRef
    from dagster._core.storage.sqlite_storage import _event_logs_directory

    explicit = home is not None
    home = home or os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.get()  # raises the usual "DAGSTER_HOME is not set"
    config, custom_class = dagster_instance_config(home)
    if not explicit and (custom_class or any(config.get(k) for k in STORAGE_KEYS)):
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

    After a run that stopped at the duplicate check, a run over the same range with the
    same spec (a steward has decided the clusters) resumes from the dedupe step, as
    Dagster's "re-execute from failure" does in the UI: what that run extracted and
    standardised is taken from the step store, not read and checked again. Changes made
    in the platform meanwhile carry a newer modification time; the next run reads them.
    """
    from integration_dags.definitions import SYNCS, defs

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
    spec = _spec_digest(SYNCS[name].SPEC.model_dump_json())
    tags = {**range_tags(*partition_range), SPEC_TAG: spec}
    resume = None if full else resumable_from(instance, job, partition_range, spec)
    selection = None
    if resume is not None:
        tags[RESUMED_TAG] = resume
        selection = frozenset(job.asset_layer.executable_asset_keys - _reused_assets(job))
    with _batch_gc():
        result = _execute_without_output_capture(
            job, instance=instance, tags=tags, run_config=console_logs(),
            asset_selection=selection)
    summary = summarise_run(result.all_events).get(name) or empty_summary()
    if resume is not None and not summary["extracted"]:
        # stopped again before reconciling: what it worked on was read by the run it took from
        mats = instance.all_logs(resume, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        read = summarise_run(e.dagster_event for e in mats
                             if e.dagster_event is not None).get(name) or empty_summary()
        summary.update(extracted=read["extracted"], quarantined=read["quarantined"])
    return result.success, summary


def _reused_assets(job: dg.JobDefinition) -> set[dg.AssetKey]:
    """The assets whose outputs a resumed run takes from the step store (REUSED_STEPS)."""
    return {k for k in job.asset_layer.executable_asset_keys
            if k.path[-1].endswith(REUSED_STEPS)}


def _spec_digest(spec_json: str) -> str:
    return hashlib.sha256(spec_json.encode()).hexdigest()[:16]


def resumable_from(
    instance: dg.DagsterInstance, job: dg.JobDefinition, partition_range: tuple[str, str],
    spec: str,
) -> str | None:
    """The run whose extracted and standardised records a new run can take, or None.

    That is when the sync's latest run covered this range with this spec and failed only
    in its dedupe steps (the blocking duplicate check), after extracting and
    standardising everything itself, or after taking them from an earlier run in turn,
    and those outputs are still in the step store.
    """
    sync = job.tags.get("concord/sync", job.name)
    [last] = instance.get_runs(filters=dg.RunsFilter(tags={"concord/sync": sync}),
                               limit=1) or [None]
    if (last is None or last.status != dg.DagsterRunStatus.FAILURE
            or (last.tags.get(RANGE_START), last.tags.get(RANGE_END)) != partition_range
            or last.tags.get(SPEC_TAG) != spec):
        return None
    status = {s.step_key: s.status.value for s in instance.get_run_step_stats(last.run_id)}
    failed = [step for step, st in status.items() if st != "SUCCESS"]
    if not failed or not all(step.endswith("_deduped") for step in failed):
        return None
    reused = _reused_assets(job)
    if RESUMED_TAG in last.tags:
        origin = last.tags[RESUMED_TAG]
    elif all(status.get(k.to_python_identifier()) == "SUCCESS" for k in reused):  # step keys
        origin = last.run_id
    else:
        return None
    from integration_dags.resources import build_resources

    store = build_resources()["step_store"]  # an output whose pickle was lost: run afresh
    return origin if all(store.has_output(k, partition_range) for k in reused) else None


def _execute_without_output_capture(
    job: dg.JobDefinition, *, instance: dg.DagsterInstance, tags: dict[str, str],
    run_config: dict[str, Any], asset_selection: frozenset[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """`job.execute_in_process(raise_on_error=False)`, minus its capture of every step's
    output value for the result object: that kept all of a run's step outputs (several
    copies of every record) alive until the run ended, 3 GB at 100,000 companies. The
    step store has them on disk; a step's output is freed once the next ones are done."""
    selected = sorted(asset_selection) if asset_selection else None
    try:
        from dagster._core.definitions.job_base import InMemoryJob
        from dagster._core.execution.execute_in_process import (
            core_execute_in_process,
            merge_run_tags,
        )
    except ImportError:  # a Dagster that moved them: the public call, capture and all
        return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False,
                                      run_config=run_config, asset_selection=selected)
    ephemeral = job.as_ephemeral_job(resource_defs={}, input_values={},
                                     asset_selection=selected)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=False,
        run_tags=merge_run_tags(job_def=job, partition_key=None, tags=tags,
                                asset_selection=selected, instance=instance,
                                run_config=run_config),
        asset_selection=asset_selection or frozenset(),
    )


@contextmanager
def _batch_gc() -> Iterator[None]:
    """Collect cycles less often during a run, and never rescan what was loaded before it
    (definitions, libraries) nor what its steps stored (`freezing_stored_outputs`);
    Python's defaults come back afterwards."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*RUN_GC_THRESHOLDS)
    try:
        with freezing_stored_outputs():
            yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
