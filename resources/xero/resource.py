"""Dagster resource for Xero: configuration only, fed by EnvVar (XERO_*) in the definitions."""

from __future__ import annotations

import dagster as dg

from concord.ledger import Ledger

from .client import XeroClient


class XeroResource(dg.ConfigurableResource):
    """One XeroClient per `get_client()`; the rate budget is shared per tenant in-process
    and the tokens live in the ledger at `ledger_url` (CONCORD_TOKEN_KEY encrypts them)."""

    base_url: str = "https://api.xero.com/api.xro/2.0"
    token_url: str = "https://identity.xero.com/connect/token"
    connections_url: str = "https://api.xero.com/connections"
    client_id: str
    client_secret: str
    tenant_id: str
    ledger_url: str
    ca_bundle: str | None = None
    minute_limit: int = 60
    day_reserve: int = 100
    time_scale: float = 1.0

    def get_client(self) -> XeroClient:
        return XeroClient(
            base_url=self.base_url, token_url=self.token_url,
            connections_url=self.connections_url, client_id=self.client_id,
            client_secret=self.client_secret, tenant_id=self.tenant_id,
            ledger=Ledger(self.ledger_url), ca_bundle=self.ca_bundle,
            minute_limit=self.minute_limit, day_reserve=self.day_reserve,
            time_scale=self.time_scale,
        )
