"""The pooled SQLite event log: a range run's history as Dagster's own storage reads it."""

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log import SqliteEventLogStorage

from integration_dags.run import sync_instance
from integration_dags.schedules import range_tags
from resources.event_log import PooledSqliteEventLogStorage

PARTS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-08")
RANGE = ("2026-01-02", "2026-01-06")  # five partitions
POLICY = dg.BackfillPolicy.single_run()


@dg.asset(partitions_def=PARTS, backfill_policy=POLICY)
def upstream(context: dg.AssetExecutionContext) -> None:
    context.add_output_metadata({"partitions": len(context.partition_keys)})


@dg.asset(partitions_def=PARTS, backfill_policy=POLICY, deps=[upstream],
          config_schema={"fail": bool})
def downstream(context: dg.AssetExecutionContext) -> None:
    if context.op_execution_context.op_config["fail"]:
        raise RuntimeError("downstream refuses")


JOB = dg.define_asset_job("range_job", selection=[upstream, downstream])
DEFS = dg.Definitions(assets=[upstream, downstream], jobs=[JOB])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")  # restored after the test
    return tmp_path


def _run(instance: dg.DagsterInstance, *, fail: bool) -> bool:
    job = DEFS.resolve_job_def("range_job")
    result = job.execute_in_process(
        instance=instance, tags=range_tags(*RANGE), raise_on_error=False,
        run_config={"ops": {"downstream": {"config": {"fail": fail}}}})
    return result.success


def _planned(instance: dg.DagsterInstance, key: dg.AssetKey) -> list[str | None]:
    records = instance.event_log_storage.get_event_records(
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, asset_key=key),
        limit=1000)
    return sorted(r.partition_key for r in records)


def test_range_run_is_recorded_per_partition_as_the_stock_storage_reads_it(home: Path) -> None:
    instance = sync_instance()
    assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
    assert _run(instance, fail=False)
    instance.dispose()

    stock = dg.DagsterInstance.get()
    assert type(stock.event_log_storage) is SqliteEventLogStorage
    keys = PARTS.get_partition_keys_in_range(dg.PartitionKeyRange(*RANGE))
    for asset in (upstream, downstream):
        assert sorted(stock.get_materialized_partitions(asset.key)) == keys
        assert _planned(stock, asset.key) == keys  # one planned event per partition
    latest = stock.get_latest_materialization_event(upstream.key)
    assert latest is not None and latest.asset_materialization is not None
    assert latest.asset_materialization.metadata["partitions"].value == len(keys)


def test_failed_range_run_leaves_the_partitions_planned_not_materialized(home: Path) -> None:
    """Dagster marks a partition failed from a planned event with no materialization."""
    instance = sync_instance()
    assert not _run(instance, fail=True)
    keys = PARTS.get_partition_keys_in_range(dg.PartitionKeyRange(*RANGE))
    storage = instance.event_log_storage
    missing = storage.get_latest_asset_partition_materialization_attempts_without_materializations(
        downstream.key)
    assert sorted(missing) == keys
    assert sorted(instance.get_materialized_partitions(upstream.key)) == keys
    assert not instance.get_materialized_partitions(downstream.key)


def test_configured_storage_is_left_as_configured(home: Path) -> None:
    (home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {home / 'elsewhere'}\ntelemetry:\n  enabled: false\n")
    instance = sync_instance()
    assert type(instance.event_log_storage) is SqliteEventLogStorage
    instance.dispose()


def _asset_entries(instance: dg.DagsterInstance, run_id: str) -> list[tuple]:
    """What the index's asset_keys rows say of each asset, the run id made comparable."""
    out = []
    for asset in (upstream, downstream):
        [record] = instance.get_asset_records([asset.key])
        entry = record.asset_entry
        last = entry.last_materialization_record
        newest = instance.event_log_storage.get_event_records(
            dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION, asset_key=asset.key),
            limit=1, ascending=False)
        out.append((asset.key, last.storage_id == newest[0].storage_id, last.partition_key,
                    entry.last_run_id == run_id, last.run_id == run_id))
    return out


def test_a_batch_leaves_each_asset_row_as_the_stock_storage_does(home: Path,
                                                                  tmp_path_factory) -> None:
    """The latest materialization and run of each asset, written once per batch, are
    what storing the events one by one leaves."""
    job = DEFS.resolve_job_def("range_job")
    config = {"ops": {"downstream": {"config": {"fail": False}}}}
    instance = sync_instance()
    assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
    pooled_run = job.execute_in_process(instance=instance, tags=range_tags(*RANGE),
                                        run_config=config).run_id
    instance.dispose()
    pooled = _asset_entries(dg.DagsterInstance.get(), pooled_run)

    with dg.instance_for_test(temp_dir=str(tmp_path_factory.mktemp("stock"))) as stock:
        stock_run = job.execute_in_process(instance=stock, tags=range_tags(*RANGE),
                                           run_config=config).run_id
        assert pooled == _asset_entries(stock, stock_run)
    assert pooled[0][1:] == (True, RANGE[1], True, True)  # the range's last partition
