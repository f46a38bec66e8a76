"""Hands step outputs from one asset to the next, for single partitions and ranges alike.

Dagster's filesystem IO manager refuses outputs that cover several partitions, but
a backfill must run as ONE run over a range (one extract, one batched apply). Outputs are
stored under the asset key and the partition range of the run, so a re-run of a blocked
step over the same range picks up what its upstream steps left.

Within one process (`concord sync` runs a whole run in-process) a step's output is also
handed to its consumers as the object itself, not unpickled once per consumer: at 200,000
contacts the reconcile step alone reloaded six outputs, a fifth of a load's time, and
held six unshared copies of the records. The object is dropped once every consumer of
the run's plan has it, and at the latest when the run's resources are torn down (a run
stopped by a blocking check never loads some outputs). An output read from its pickle
(in a run resumed after a stopped one) is unpickled once and handed to its other
loaders the same way.

When every step of the run runs in this process, a big output's pickle is written behind:
a forked child writes it while the next step runs (on the other core; 10 s of a 100,000
company load was spent pickling). Its consumers in the run already have the object. A
read from disk and the run's teardown wait for the child. At most WRITES_IN_FLIGHT are
written at once. A failed write fails the next step that loads or stores an output once
it is seen (never retried), or is logged at teardown; the old pickle is removed first, so
a failed write leaves no file rather than an earlier run's, and a run resumed from it is
refused (integration_dags/run.py). With steps in separate processes (the UI's
multiprocess executor) a downstream step reads the file as soon as this step ends, so
the write stays inline.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import gc
import os
import pickle
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg


@dataclass
class _Handed:
    run_id: str
    obj: Any
    consumers_left: int


_HANDED: dict[Path, _Handed] = {}  # this process's outputs not yet loaded by every consumer
_WRITING: dict[Path, tuple[str, int]] = {}  # pickles being written behind: run id, child pid
WRITES_IN_FLIGHT = 3
"""Writes behind at once: enough that a small step after two big ones (target_state after
both extracts) never waits for their pickles; each write's copied pages stay bounded."""
IN_PROCESS_EXECUTORS = frozenset({"execute_in_process_executor", "in_process"})
NOT_FOR_LATER_RUNS = "not_kept_for_later_runs"
"""Output metadata a step sets (true) when no later run may take the output: the dedupe
step, stopped by its blocking check. The output is still handed to this run's consumers,
but not pickled, and an earlier run's pickle of it is removed."""


class StepStoreWriteError(dg.Failure):
    """A step output's pickle could not be written. Never retried by a step's retry policy:
    the step at hand did its work; it is the earlier output that is missing."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message, allow_retries=False)


def _tmp(path: Path) -> Path:
    """This process's temporary file for `path`: a writer never shares one with another."""
    return path.with_name(f"{path.name}.{os.getpid()}.tmp")


def _reason_file(path: Path, pid: int) -> Path:
    return path.with_name(f"{path.name}.{pid}.error")


def _write(obj: Any, path: Path) -> None:
    """The pickle, whole or not at all: never a half-written step output."""
    tmp = _tmp(path)
    try:
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_behind(obj: Any, path: Path) -> int | None:
    """Fork a child that writes the pickle; its pid, or None when no process could be
    forked (the caller writes inline). The child touches nothing but the object and its
    files, ignores Ctrl-C (the parent's teardown waits for it) and leaves by os._exit (no
    atexit, no flushing of inherited buffers); why it failed goes to a file beside."""
    path.unlink(missing_ok=True)  # a failed write leaves no file, never an earlier run's
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # pragma: no cover - runs in the child; the tests read what it wrote
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            gc.disable()  # a collection would touch (and copy) every page of the parent
            os.nice(10)  # the run's own steps (and the APIs it waits on) come first
            _write(obj, path)
            code = 0
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                _reason_file(path, os.getpid()).write_text(repr(exc))
        finally:
            os._exit(code)
    return pid


def _await_write(path: Path, *, block: bool = True) -> None:
    """Reap the write behind of `path`, if one is going on (waiting for it unless not
    `block`); raise StepStoreWriteError if it failed."""
    writing = _WRITING.get(path)
    if writing is None:
        return
    try:
        pid, status = os.waitpid(writing[1], 0 if block else os.WNOHANG)
        if pid == 0:  # still writing
            return
        code = os.waitstatus_to_exitcode(status)
    except ChildProcessError:  # reaped elsewhere: the file tells whether it was written
        code = 0
    del _WRITING[path]
    reason_file = _reason_file(path, writing[1])
    reason = reason_file.read_text() if reason_file.exists() else f"exit code {code}"
    reason_file.unlink(missing_ok=True)
    if code != 0 or not path.exists():
        raise StepStoreWriteError(
            f"could not store the step output {path} ({reason}); run the steps again "
            "(`concord sync --full` runs every step afresh)")


def _reap_writes(*, at_most: int | None = None) -> None:
    """Reap the finished writes (a failed one fails the step at hand), then, with
    `at_most`, wait for the oldest until no more than that are still going on."""
    for path in list(_WRITING):
        _await_write(path, block=False)
    if at_most is not None:
        for path in list(_WRITING)[:max(0, len(_WRITING) - at_most)]:
            _await_write(path)


@atexit.register
def _await_all_writes() -> None:
    """A process that ends without a run's teardown (a crash) still leaves whole pickles."""
    for path in list(_WRITING):
        with contextlib.suppress(Exception):
            _await_write(path)


_FREEZE_STORED = False  # within a run: see freezing_stored_outputs


@contextlib.contextmanager
def freezing_stored_outputs() -> Iterator[None]:
    """Within it, storing a step output first collects the step's cyclic garbage (the
    young generations) and then moves everything alive to the collector's permanent
    generation (gc.freeze), as Python's gc docs advise before a fork. The outputs and
    what they were built from outlive the step: the next steps' collections stop
    rescanning them, and a collection no longer writes to the pages a forked writer
    shares. Frozen objects are still freed by reference counting; only cycles among them
    wait for the caller's gc.unfreeze after the run. With young collections otherwise
    rare in a run (RUN_GC_THRESHOLDS), an initial load of 100,000 companies spent
    1.6 + 2.1 s in the collector over its two runs, against 3.2 + 5.0 s before, at the
    same peak RSS. Outside it (outside `run_sync`: `dg.materialize` in tests, the UI's
    run and step processes) nothing is frozen. The collector's state is the process's:
    one run at a time freezes (nested, the outer setting comes back)."""
    global _FREEZE_STORED
    before, _FREEZE_STORED = _FREEZE_STORED, True
    try:
        yield
    finally:
        _FREEZE_STORED = before


WRITE_BEHIND_MIN_ITEMS = 10_000
"""Outputs holding fewer items are pickled inline: a fork costs the run more than their
pickle (the parent then copies every page it touches), 2 s over an hourly run's steps."""


def _items(obj: Any) -> int:
    """Items in the output's collections (a list, or a dataclass of lists): its size, for
    deciding whether to write it behind, without pickling it."""
    if isinstance(obj, list | tuple | dict | set | frozenset):
        return len(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sum(_items(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    return 0


def _not_for_later_runs(context: dg.OutputContext) -> bool:
    flag = context.output_metadata.get(NOT_FOR_LATER_RUNS)
    return bool(getattr(flag, "value", flag))


def _runs_in_this_process(context: dg.OutputContext) -> bool:
    """Whether every step of the run runs in this process, so consumers never read the
    file of an output before this process has written it."""
    try:
        return context.step_context.job_def.executor_def.name in IN_PROCESS_EXECUTORS
    except Exception:  # Dagster internals moved: write inline
        return False


def _readers(context: dg.InputContext | dg.OutputContext) -> int:
    """How many steps of this run's plan read this asset as an input (0 if unknown): the
    consumers of an output just made, or the loaders of one stored by an earlier run."""
    try:
        step_context = context.step_context
        plan = step_context.execution_plan
        layer = step_context.job_def.asset_layer
        to_run = set(plan.step_keys_to_execute)
        return sum(
            1
            for step in plan.get_all_steps_in_topo_order() if step.key in to_run
            for step_input in step.step_inputs
            if layer.get_asset_key_for_node_input(step.node_handle, step_input.name)
            == context.asset_key
        )
    except Exception:  # Dagster internals moved: every reader unpickles its own copy
        return 0


def _slot(context: dg.InputContext | dg.OutputContext) -> str:
    if not context.has_asset_partitions:
        return "__all__"
    r = context.asset_partition_key_range
    return _range_slot(r.start, r.end)


def _range_slot(start: str, end: str) -> str:
    return start if start == end else f"{start}..{end}"


class StepStore(dg.ConfigurableIOManager):
    """Pickles step outputs under `<base_dir>/<asset path>/<partition range>.pkl`."""

    base_dir: str = ""

    def _stored(self, asset_key: dg.AssetKey, slot: str) -> Path:
        base = self.base_dir or os.path.join(
            os.environ.get("DAGSTER_HOME", ".dagster_home"), "storage", "concord")
        return Path(base, *asset_key.path, slot + ".pkl")

    def _path(self, context: dg.InputContext | dg.OutputContext) -> Path:
        return self._stored(context.asset_key, _slot(context))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Drop what this run handed over but no consumer took (a step that never ran),
        and wait until its outputs are on disk, for the next run to find them."""
        run_id = context.run.run_id if context.run else None
        for path in [p for p, h in _HANDED.items() if h.run_id == run_id]:
            del _HANDED[path]
        failed = []
        for path in [p for p, (run, _) in _WRITING.items() if run == run_id]:
            try:
                _await_write(path)
            except StepStoreWriteError as exc:
                failed.append(str(exc))
        if failed:
            raise StepStoreWriteError("; ".join(failed))

    def has_output(self, asset_key: dg.AssetKey, partition_range: tuple[str, str]) -> bool:
        """Whether an output of the asset for that partition range is stored (and whole)."""
        path = self._stored(asset_key, _range_slot(*partition_range))
        try:
            _await_write(path)
        except StepStoreWriteError:
            return False
        return path.exists()

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        for stale in [p for p, h in _HANDED.items() if h.run_id != context.run_id]:
            del _HANDED[stale]  # left by a run that died before its teardown
        if _FREEZE_STORED:
            gc.collect(1)
            gc.freeze()
        path = self._path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        _await_write(path)  # an earlier write of this very output
        if _not_for_later_runs(context):
            path.unlink(missing_ok=True)
        else:
            behind = (_items(obj) >= WRITE_BEHIND_MIN_ITEMS and hasattr(os, "fork")
                      and _runs_in_this_process(context))
            _reap_writes(at_most=WRITES_IN_FLIGHT - 1 if behind else None)
            pid = _write_behind(obj, path) if behind else None
            if pid is not None:
                _WRITING[path] = (context.run_id, pid)
            else:
                _write(obj, path)
        consumers = _readers(context)
        if consumers:
            _HANDED[path] = _Handed(context.run_id, obj, consumers)
        else:
            _HANDED.pop(path, None)

    def load_input(self, context: dg.InputContext) -> Any:
        _reap_writes()  # an earlier output that failed to store stops the step before it runs
        path = self._path(context)
        handed = _HANDED.get(path)
        if handed is not None and handed.run_id == context.step_context.run_id:
            handed.consumers_left -= 1
            if handed.consumers_left <= 0:
                del _HANDED[path]
            return handed.obj
        _await_write(path)
        if not path.exists():
            raise FileNotFoundError(
                f"no output of {context.asset_key.to_user_string()} for {_slot(context)}: "
                "materialise the upstream steps for this partition range first "
                "(`concord sync --full` runs every step afresh)")
        with open(path, "rb") as fh:
            obj = pickle.load(fh)
        others = _readers(context) - 1
        if others > 0:  # the other loaders of this run get this copy
            _HANDED[path] = _Handed(context.step_context.run_id, obj, others)
        return obj
