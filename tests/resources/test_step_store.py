"""Step outputs between assets: handed over in-process, pickled for a later re-run."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from resources import step_store
from resources.step_store import StepStore

SEEN: dict[str, object] = {}


@dg.asset(io_manager_key="step_store")
def records() -> list[dict[str, int]]:
    out = [{"n": n} for n in range(3)]
    SEEN["produced"] = out
    return out


@dg.asset(io_manager_key="step_store")
def counted(records: list[dict[str, int]]) -> int:
    SEEN["counted"] = records
    return len(records)


@dg.asset(io_manager_key="step_store")
def summed(records: list[dict[str, int]]) -> int:
    SEEN["summed"] = records
    return sum(r["n"] for r in records)


def test_consumers_in_the_run_get_the_output_itself_and_a_rerun_reads_the_pickle(
    tmp_path: Path,
) -> None:
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    with dg.instance_for_test() as instance:
        result = dg.materialize([records, counted, summed], resources=resources,
                                instance=instance)
        assert result.success
        # both consumers got the very object produced: no unpickled copies
        assert SEEN["counted"] is SEEN["produced"] and SEEN["summed"] is SEEN["produced"]
        assert not step_store._HANDED  # dropped once every consumer had it
        assert (tmp_path / "records" / "__all__.pkl").exists()

        # re-running one consumer alone (as after a blocked check) reads what was stored
        again = dg.materialize([records, summed], selection=[summed], resources=resources,
                               instance=instance)
        assert again.success and again.output_for_node("summed") == 3
        assert SEEN["summed"] == SEEN["produced"] and SEEN["summed"] is not SEEN["produced"]


@dg.asset(io_manager_key="step_store")
def refused(records: list[dict[str, int]]) -> int:
    raise ValueError("stopped, as a blocking check would stop apply")


@dg.asset(io_manager_key="step_store")
def never_run(refused: int, records: list[dict[str, int]]) -> int:
    return refused


def test_a_run_that_stops_early_keeps_no_output_in_memory(tmp_path: Path) -> None:
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    with dg.instance_for_test() as instance:
        result = dg.materialize([records, refused, never_run], resources=resources,
                                instance=instance, raise_on_error=False)
        assert not result.success
        assert not step_store._HANDED  # never_run never loaded `records`: dropped anyway
        assert (tmp_path / "records" / "__all__.pkl").exists()


def test_a_run_that_resumes_unpickles_a_stored_output_once_for_all_its_loaders(
    tmp_path: Path,
) -> None:
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    with dg.instance_for_test() as instance:
        assert dg.materialize([records], resources=resources, instance=instance).success
        resumed = dg.materialize([records, counted, summed], selection=[counted, summed],
                                 resources=resources, instance=instance)
        assert resumed.success and resumed.output_for_node("summed") == 3
        assert SEEN["counted"] is SEEN["summed"]  # one copy, read from the pickle once
        assert SEEN["summed"] is not SEEN["produced"] and SEEN["summed"] == SEEN["produced"]
        assert not step_store._HANDED
