"""Hands step outputs from one asset to the next, for single partitions and ranges alike.

Dagster's filesystem IO manager refuses outputs that cover several partitions, but
a backfill must run as ONE run over a range (one extract, one batched apply). Outputs are
stored under the asset key and the partition range of the run, so a re-run of a blocked
step over the same range picks up what its upstream steps left.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import dagster as dg


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

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        path = self._path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # never leave a half-written step output behind

    def load_input(self, context: dg.InputContext) -> Any:
        path = self._path(context)
        if not path.exists():
            raise FileNotFoundError(
                f"no output of {context.asset_key.to_user_string()} for {_slot(context)}: "
                "materialise the upstream steps for this partition range first")
        with open(path, "rb") as fh:
            return pickle.load(fh)
