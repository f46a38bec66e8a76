"""CRM accounts sync: job, backfill partitions and the hourly schedule. Wiring only."""

from __future__ import annotations

import dagster as dg

from assets.crm_accounts import SPEC, crm_accounts_assets
from assets.steps.common import sync_partitions
from integration_dags.schedules import hourly_range_schedule

crm_accounts_job = dg.define_asset_job(
    SPEC.sync,
    selection=dg.AssetSelection.groups(SPEC.sync),
    description=SPEC.description,
)

crm_accounts_hourly = hourly_range_schedule(crm_accounts_job, sync_partitions(SPEC), minute=7)

assets = crm_accounts_assets
jobs = [crm_accounts_job]
schedules = [crm_accounts_hourly]
