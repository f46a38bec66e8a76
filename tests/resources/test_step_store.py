"""Step outputs between assets: handed over in-process, pickled for a later re-run."""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import threading
import weakref
from pathlib import Path

import dagster as dg
import pytest

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


def test_an_in_process_run_writes_its_pickles_behind_and_has_them_on_disk_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    forked: list[int] = []

    def spy(obj: object, path: Path) -> int:
        forked.append(pid := real(obj, path))
        return pid

    real = step_store._write_behind
    monkeypatch.setattr(step_store, "_write_behind", spy)
    monkeypatch.setattr(step_store, "WRITE_BEHIND_MIN_ITEMS", 0)  # these outputs are small
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    with dg.instance_for_test() as instance:
        result = dg.materialize([records, counted, summed], resources=resources,
                                instance=instance)
        assert result.success
    assert len(set(forked)) == 3 and None not in forked  # each written by its own child
    assert not step_store._WRITING  # the run's teardown waited for them
    with open(tmp_path / "records" / "__all__.pkl", "rb") as fh:
        assert pickle.load(fh) == SEEN["produced"]
    with open(tmp_path / "summed" / "__all__.pkl", "rb") as fh:
        assert pickle.load(fh) == 3


def test_small_outputs_are_pickled_inline_without_a_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(step_store, "_write_behind", lambda obj, path: pytest.fail("forked"))
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    with dg.instance_for_test() as instance:
        assert dg.materialize([records, counted], resources=resources, instance=instance).success
    with open(tmp_path / "records" / "__all__.pkl", "rb") as fh:
        assert pickle.load(fh) == SEEN["produced"]


def _frozen_after_materialising(tmp_path: Path) -> int:
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    gc.unfreeze()
    try:
        with dg.instance_for_test() as instance:
            assert dg.materialize([records, counted], resources=resources,
                                  instance=instance).success
        return gc.get_freeze_count()
    finally:
        gc.unfreeze()


def test_within_a_run_stored_outputs_leave_the_cycle_collectors_reach(tmp_path: Path) -> None:
    with step_store.freezing_stored_outputs():
        assert _frozen_after_materialising(tmp_path / "run") > 0
    # outside run_sync (dg.materialize, the UI's processes): the collector keeps everything
    assert _frozen_after_materialising(tmp_path / "outside") == 0


class _Cycle:
    def __init__(self) -> None:
        self.me = self


CYCLES: list[weakref.ref[_Cycle]] = []


@dg.asset(io_manager_key="step_store")
def leaves_a_cycle() -> list[int]:
    CYCLES.append(weakref.ref(_Cycle()))  # garbage at once, for the cycle collector only
    return [1, 2, 3]


def test_a_steps_cyclic_garbage_is_collected_before_what_lives_is_frozen(
    tmp_path: Path,
) -> None:
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    CYCLES.clear()
    gc.unfreeze()
    gc.disable()  # no collection but the one a stored output makes
    try:
        with step_store.freezing_stored_outputs(), dg.instance_for_test() as instance:
            assert dg.materialize([leaves_a_cycle], resources=resources,
                                  instance=instance).success
            assert CYCLES and CYCLES[0]() is None  # not frozen with the step's output
    finally:
        gc.enable()
        gc.unfreeze()


@dataclasses.dataclass
class _Outcome:
    valid: list[int]
    rejected: list[int]
    counts: dict[str, int]
    note: str = ""


def test_an_outputs_size_is_the_items_of_its_collections() -> None:
    assert step_store._items(list(range(7))) == 7
    assert step_store._items(_Outcome([1, 2, 3], [4], {"a": 1, "b": 2})) == 6
    assert step_store._items(3) == 0 and step_store._items("a long string") == 0


@dg.asset(io_manager_key="step_store")
def unpicklable() -> object:
    return threading.Lock()


AFTER_IT: list[int] = []


@dg.asset(io_manager_key="step_store", retry_policy=dg.RetryPolicy(max_retries=2))
def after_it(unpicklable: object) -> int:
    AFTER_IT.append(1)
    return 1


def test_an_output_that_cannot_be_stored_fails_the_run_and_leaves_no_older_pickle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(step_store, "WRITES_IN_FLIGHT", 1)  # the next step waits for it
    monkeypatch.setattr(step_store, "WRITE_BEHIND_MIN_ITEMS", 0)
    AFTER_IT.clear()
    older = tmp_path / "unpicklable" / "__all__.pkl"
    older.parent.mkdir()
    older.write_bytes(pickle.dumps("an earlier run's output"))
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    with dg.instance_for_test() as instance:
        result = dg.materialize([unpicklable, after_it], resources=resources,
                                instance=instance, raise_on_error=False)
        assert not result.success
        [failure] = [e for e in result.all_events if e.is_step_failure]
        assert failure.step_key == "after_it"
        error = str(failure.step_failure_data.error)
        assert "could not store the step output" in error and "unpicklable" in error
        assert "cannot pickle" in error  # the child's reason
        # not retried: the step itself did nothing wrong, and a retry would not bring the
        # output back (it ran at most once: the failure may be seen before it computes)
        assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
        assert len(AFTER_IT) <= 1
    assert not older.exists()  # a re-run finds nothing, never the stale output
    assert not step_store._WRITING


def test_when_no_process_can_be_forked_the_output_is_written_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fork() -> int:
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(step_store, "WRITE_BEHIND_MIN_ITEMS", 0)
    store = StepStore(base_dir=str(tmp_path))
    with dg.instance_for_test() as instance:
        assert dg.materialize([records], resources={"step_store": store},
                              instance=instance).success
    assert store.has_output(dg.AssetKey("records"), ("__all__", "__all__"))
    assert not store.has_output(dg.AssetKey("counted"), ("__all__", "__all__"))
    assert not list(tmp_path.rglob("*.tmp"))


@dg.asset(io_manager_key="step_store")
def held(context) -> list[int]:  # (a string annotation Dagster cannot resolve)
    """Stopped as the dedupe step is by its blocking check: this run's consumers may have
    the output, no later run may."""
    out = [1, 2, 3]
    context.add_output_metadata({step_store.NOT_FOR_LATER_RUNS: bool(HELD)})
    return out


@dg.asset(io_manager_key="step_store")
def after_held(held: list[int]) -> int:
    return sum(held)


HELD: list[bool] = []


def test_an_output_no_later_run_may_take_is_handed_on_but_not_stored(tmp_path: Path) -> None:
    resources = {"step_store": StepStore(base_dir=str(tmp_path))}
    stored = tmp_path / "held" / "__all__.pkl"
    with dg.instance_for_test() as instance:
        HELD[:] = []
        assert dg.materialize([held, after_held], resources=resources, instance=instance).success
        assert stored.exists()  # an output any run may take
        HELD[:] = [True]
        result = dg.materialize([held, after_held], resources=resources, instance=instance)
        assert result.success and result.output_for_node("after_held") == 6  # handed on
        assert not stored.exists()  # neither written nor left from the run before
        failed = dg.materialize([dg.SourceAsset("held", io_manager_key="step_store"), after_held],
                                resources=resources, instance=instance, raise_on_error=False)
        assert not failed.success  # a later run cannot take it
