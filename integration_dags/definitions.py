"""The code location: every sync's assets, jobs and schedules, and the shared resources."""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from assets.tokens import build_token_expiry_asset
from integration_dags import crm_accounts
from integration_dags.resources import build_resources

SYNCS = {"crm_accounts": crm_accounts}

# The tenants whose refresh tokens are watched: the ones the connectors are pointed at
# (comma-separated for several). Unset: the checks pass, reporting no tenants configured.
TENANT_ENV = {"xero": "XERO_TENANT_ID", "qbo": "QBO_REALM_ID"}


def configured_tenants(environ: Mapping[str, str] = os.environ) -> dict[str, list[str]]:
    return {system: [t.strip() for t in environ.get(var, "").split(",") if t.strip()]
            for system, var in TENANT_ENV.items()}


oauth_refresh_tokens = build_token_expiry_asset(configured_tenants())
oauth_tokens_job = dg.define_asset_job("oauth_tokens", selection=[oauth_refresh_tokens],
                                       description="refresh-token expiry checks")
oauth_tokens_daily = dg.ScheduleDefinition(
    name="oauth_tokens_daily", job=oauth_tokens_job, cron_schedule="0 6 * * *",
    execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING)

defs = dg.Definitions(
    assets=[*(a for m in SYNCS.values() for a in m.assets), oauth_refresh_tokens],
    jobs=[*(j for m in SYNCS.values() for j in m.jobs), oauth_tokens_job],
    schedules=[*(s for m in SYNCS.values() for s in m.schedules), oauth_tokens_daily],
    sensors=[s for m in SYNCS.values() for s in m.sensors],
    resources=build_resources(),
)
