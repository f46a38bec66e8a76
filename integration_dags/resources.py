"""Resources for every sync, configured from environment variables only.

Secrets are `EnvVar`s: the UI shows their names, never their values. Optional settings
are wired as EnvVars only when set, so a real org needs no CA bundle variable.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from resources.ledger import LedgerResource
from resources.platform import PlatformDatabase
from resources.salesforce.resource import SalesforceResource
from resources.step_store import StepStore


def _optional(name: str) -> Any:
    return dg.EnvVar(name) if os.environ.get(name) else None


def build_resources() -> dict[str, Any]:
    return {
        "platform": PlatformDatabase(url=dg.EnvVar("CONCORD_PLATFORM_URL")),
        "ledger": LedgerResource(url=dg.EnvVar("CONCORD_LEDGER_URL")),
        "salesforce": SalesforceResource(
            instance_url=dg.EnvVar("SALESFORCE_INSTANCE_URL"),
            token_url=dg.EnvVar("SALESFORCE_TOKEN_URL"),
            client_id=dg.EnvVar("SALESFORCE_CLIENT_ID"),
            client_secret=dg.EnvVar("SALESFORCE_CLIENT_SECRET"),
            username=_optional("SALESFORCE_USERNAME"),
            password=_optional("SALESFORCE_PASSWORD"),
            ca_bundle=_optional("SALESFORCE_CA_BUNDLE"),
        ),
        "step_store": StepStore(),
    }
