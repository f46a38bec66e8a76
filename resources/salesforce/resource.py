"""Dagster resource for Salesforce: configuration only, fed by EnvVar in the definitions."""

from __future__ import annotations

import dagster as dg

from .client import SalesforceClient


class SalesforceResource(dg.ConfigurableResource):
    """One SalesforceClient per `get_client()` call, so call counts are per step."""

    instance_url: str
    token_url: str
    client_id: str
    client_secret: str
    username: str | None = None
    password: str | None = None
    ca_bundle: str | None = None
    api_version: str = "60.0"
    bulk_threshold: int = 10_000
    request_reserve: int = 500

    def get_client(self) -> SalesforceClient:
        return SalesforceClient(
            instance_url=self.instance_url,
            token_url=self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            username=self.username,
            password=self.password,
            ca_bundle=self.ca_bundle,
            api_version=self.api_version,
            bulk_threshold=self.bulk_threshold,
            request_reserve=self.request_reserve,
        )
