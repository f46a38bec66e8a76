"""Dagster resource for QuickBooks Online: configuration only, fed by EnvVar (QBO_*) in the
definitions."""

from __future__ import annotations

import dagster as dg

from concord.ledger import Ledger

from .auth import PRODUCTION_DISCOVERY
from .client import MINOR_VERSION, QboClient


class QboResource(dg.ConfigurableResource):
    """One QboClient per `get_client()`; the realm's rate budget is shared in-process and the
    tokens live in the ledger at `ledger_url` (CONCORD_TOKEN_KEY encrypts them)."""

    base_url: str = "https://quickbooks.api.intuit.com"
    discovery_url: str = PRODUCTION_DISCOVERY
    client_id: str
    client_secret: str
    realm_id: str
    ledger_url: str
    redirect_uri: str = ""
    ca_bundle: str | None = None
    minorversion: str = MINOR_VERSION
    minute_limit: int = 500
    batch_limit: int = 40
    concurrent: int = 10
    time_scale: float = 1.0

    def get_client(self) -> QboClient:
        return QboClient(
            base_url=self.base_url, discovery_url=self.discovery_url,
            client_id=self.client_id, client_secret=self.client_secret,
            realm_id=self.realm_id, ledger=Ledger(self.ledger_url),
            redirect_uri=self.redirect_uri, ca_bundle=self.ca_bundle,
            minorversion=self.minorversion, minute_limit=self.minute_limit,
            batch_limit=self.batch_limit, concurrent=self.concurrent,
            time_scale=self.time_scale,
        )
