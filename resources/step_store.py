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
"""

from __future__ import annotations

import os
import pickle
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
    return r.start if r.start == r.end else f"{r.start}..{r.end}"


class StepStore(dg.ConfigurableIOManager):
    """Pickles step outputs under `<base_dir>/<asset path>/<partition range>.pkl`."""

    base_dir: str = ""

    def _path(self, context: dg.InputContext | dg.OutputContext) -> Path:
        base = self.base_dir or os.path.join(
            os.environ.get("DAGSTER_HOME", ".dagster_home"), "storage", "concord")
        return Path(base, *context.asset_key.path, _slot(context) + ".pkl")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Drop what this run handed over but no consumer took (a step that never ran)."""
        run_id = context.run.run_id if context.run else None
        for path in [p for p, h in _HANDED.items() if h.run_id == run_id]:
            del _HANDED[path]

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        for stale in [p for p, h in _HANDED.items() if h.run_id != context.run_id]:
            del _HANDED[stale]  # left by a run that died before its teardown
        path = self._path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # never leave a half-written step output behind
        consumers = _readers(context)
        if consumers:
            _HANDED[path] = _Handed(context.run_id, obj, consumers)
        else:
            _HANDED.pop(path, None)

    def load_input(self, context: dg.InputContext) -> Any:
        path = self._path(context)
        handed = _HANDED.get(path)
        if handed is not None and handed.run_id == context.step_context.run_id:
            handed.consumers_left -= 1
            if handed.consumers_left <= 0:
                del _HANDED[path]
            return handed.obj
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
