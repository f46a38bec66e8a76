"""Selective sync: a spec's `scope` keeps only the rows a sync is for (say, customers past
a pipeline stage that have a sales rep), through Dagster on a sandbox platform."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from assets.steps.common import StepScope, sync_partitions
from assets.steps.extract import build_source_extract
from concord.errors import SpecError
from concord.spec import parse_sync_spec
from resources.platform import PlatformDatabase

SPEC = """\
sync: scoped
partitions: {start: "2026-08-01"}
objects:
  companies:
    entity: company
    source:
      table: companies
      modified_at: updated_at
      deleted_at: deleted_at
      scope:
        customer_status: {in: [customer, Former]}   # past the pipeline's prospect stage
        sales_rep_id: {present: true}               # only those with a sales rep
    target: {system: salesforce, object: Account, external_id: Concord_Id__c}
    fields:
      Name: {from: name, required: true}
"""


def _extract(spec_text: str, platform: Path) -> dg.ExecuteInProcessResult:
    spec = parse_sync_spec(spec_text)
    partitions = sync_partitions(spec)
    asset = build_source_extract(StepScope(spec, "companies", spec.objects["companies"],
                                           partitions))
    keys = partitions.get_partition_keys()
    return dg.materialize(
        [asset], resources={"platform": PlatformDatabase(url=f"sqlite:///{platform}"),
                            "step_store": dg.mem_io_manager},
        tags={"dagster/asset_partition_range_start": keys[0],
              "dagster/asset_partition_range_end": keys[-1]}, raise_on_error=False)


def test_only_rows_in_scope_are_extracted(sync_env: Path) -> None:
    platform = sync_env / "platform.sqlite"
    result = _extract(SPEC, platform)
    assert result.success
    records = result.output_for_node("scoped__companies_source")
    con = sqlite3.connect(platform)
    wanted = {str(k) for (k,) in con.execute(
        "SELECT id FROM companies WHERE lower(trim(customer_status)) IN ('customer', 'former') "
        "AND sales_rep_id IS NOT NULL")}
    total = con.execute("SELECT COUNT(*) FROM companies").fetchone()[0]
    con.close()
    assert {r.key for r in records} == wanted
    assert 0 < len(wanted) < total
    md = result.get_asset_materialization_events()[0].materialization.metadata
    assert md["out_of_scope"].value == total - len(wanted)


def test_a_scope_on_a_column_that_is_not_there_fails_clearly(sync_env: Path) -> None:
    result = _extract(SPEC.replace("sales_rep_id: {present", "sales_rep: {present"),
                      sync_env / "platform.sqlite")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "scope names ['sales_rep']" in str(failure.step_failure_data.error)
    # at once: a wrong spec is not retried (the step policy would wait 5 s, then 10 s)
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


def test_a_scope_condition_must_say_something() -> None:
    with pytest.raises(SpecError, match="in, not_in or present"):
        parse_sync_spec(SPEC.replace("{present: true}", "{}"))
