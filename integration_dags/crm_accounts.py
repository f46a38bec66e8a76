"""CRM accounts sync: job, backfill partitions, the hourly schedule and the change sensor.
Wiring only."""

from __future__ import annotations

import dagster as dg

from assets.crm_accounts import SPEC, crm_accounts_assets
from assets.steps.common import sync_partitions
from integration_dags.schedules import hourly_range_schedule
from integration_dags.sensors import change_sensor

crm_accounts_job = dg.define_asset_job(
    SPEC.sync,
    selection=dg.AssetSelection.groups(SPEC.sync),
    description=SPEC.description,
    tags={"concord/sync": SPEC.sync},  # dagster.yaml: one run of a sync at a time
)

crm_accounts_hourly = hourly_range_schedule(crm_accounts_job, sync_partitions(SPEC), minute=7)
crm_accounts_changes = change_sensor(
    crm_accounts_job, sync_partitions(SPEC), [o.source.table for o in SPEC.objects.values()],
    [o.target.object for o in SPEC.objects.values() if o.target.system == "salesforce"])

assets = crm_accounts_assets
jobs = [crm_accounts_job]
schedules = [crm_accounts_hourly]
sensors = [crm_accounts_changes]
