"""Build a sync's asset graph from its spec."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.steps.apply import build_apply
from assets.steps.common import StepScope, sync_partitions
from assets.steps.dedupe import build_dedupe
from assets.steps.extract import build_source_extract, build_target_extract
from assets.steps.match import build_match
from assets.steps.plan import build_plan
from assets.steps.reconcile import build_reconcile
from assets.steps.standardise import build_standardise
from concord.spec import SyncSpec, load_sync_spec

MAPPINGS = Path(__file__).resolve().parent.parent / "mappings"

STEP_FACTORIES = (
    build_source_extract, build_target_extract, build_standardise, build_dedupe,
    build_match, build_plan, build_apply, build_reconcile,
)


def build_sync_assets(spec: SyncSpec) -> list[dg.AssetsDefinition]:
    partitions = sync_partitions(spec)
    assets: list[dg.AssetsDefinition] = []
    for name, obj in spec.objects.items():
        scope = StepScope(spec, name, obj, partitions)
        assets.extend(factory(scope) for factory in STEP_FACTORIES)
    return assets


def load_shipped_spec(name: str) -> SyncSpec:
    return load_sync_spec(MAPPINGS / f"{name}.yaml")
