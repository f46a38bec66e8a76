"""The code location: every sync's assets, jobs and schedules, and the shared resources."""

from __future__ import annotations

import dagster as dg

from integration_dags import crm_accounts
from integration_dags.resources import build_resources

SYNCS = {"crm_accounts": crm_accounts}

defs = dg.Definitions(
    assets=[a for m in SYNCS.values() for a in m.assets],
    jobs=[j for m in SYNCS.values() for j in m.jobs],
    schedules=[s for m in SYNCS.values() for s in m.schedules],
    sensors=[s for m in SYNCS.values() for s in m.sensors],
    resources=build_resources(),
)
