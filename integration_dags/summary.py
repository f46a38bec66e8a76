"""A sync run's summary, read back from the metadata its steps recorded in Dagster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import dagster as dg

from assets.steps.common import FAILED_ATTEMPT

COUNTS = ("extracted", "created", "updated", "deleted", "unchanged", "quarantined", "skipped",
          "changed_in_target")
TWO_WAY = ("written_back", "conflicts")  # platform rows updated from Salesforce; conflicts seen
CALLS = ("read", "write", "bulk_jobs")


def _metadata_of(events: Iterable[dg.DagsterEvent]) -> Iterable[tuple[list[str], dict[str, Any]]]:
    """Each asset's materialization metadata once (a range run repeats it on every
    partition's materialization), and the observation of every step attempt that failed
    (its API calls: assets/steps/common.py)."""
    seen: set[tuple[str, ...]] = set()
    for ev in events:
        if ev.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = ev.event_specific_data.materialization  # type: ignore[union-attr]
            key = tuple(mat.asset_key.path)
            if key not in seen:
                seen.add(key)
                yield mat.asset_key.path, {k: v.value for k, v in mat.metadata.items()}
        elif ev.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
            obs = ev.event_specific_data.asset_observation  # type: ignore[union-attr]
            md = {k: v.value for k, v in obs.metadata.items()}
            if FAILED_ATTEMPT in md:
                yield obs.asset_key.path, md


def empty_summary() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTS + TWO_WAY, 0), "api_calls": dict.fromkeys(CALLS, 0)}


def summarise_run(events: Iterable[dg.DagsterEvent]) -> dict[str, dict[str, Any]]:
    """Per sync: the reconcile counts (or what the steps got to), and API calls by kind,
    failed attempts' included."""
    out: dict[str, dict[str, Any]] = defaultdict(empty_summary)
    partial: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reconciled: set[str] = set()
    for path, md in _metadata_of(events):
        sync, step = path[0], path[-1]
        s = out[sync]
        for kind in CALLS:
            s["api_calls"][kind] += int(md.get(f"api_calls_{kind}", 0))
        if FAILED_ATTEMPT in md:
            continue  # its calls only: the step's counts come with its materialization
        if step.endswith("_reconciled"):
            reconciled.add(sync)
            for c in COUNTS:
                s[c] += int(md.get(c, 0))
        elif step.endswith("_source"):
            partial[sync]["extracted"] += int(md.get("extracted", 0))
        elif step.endswith("_standardised"):
            partial[sync]["quarantined"] += int(md.get("quarantined", 0))
        elif step.endswith("_applied"):
            for c in TWO_WAY:
                s[c] += int(md.get(c, 0))
            for c in ("created", "updated", "deleted"):
                partial[sync][c] += int(md.get(c, 0))
            partial[sync]["quarantined"] += int(md.get("failed", 0))
        elif step.endswith("_plan"):
            partial[sync]["unchanged"] += int(md.get("unchanged", 0))
            partial[sync]["changed_in_target"] += int(md.get("changed_in_target", 0))
    for sync, counts in partial.items():
        if sync not in reconciled:  # the run stopped early: report what the steps did
            out[sync].update({c: counts.get(c, 0) for c in COUNTS})
    return {k: dict(v) for k, v in out.items()}
