"""The Dagster resource builds a client from configuration alone, without calling out."""

from __future__ import annotations

from resources.salesforce import SalesforceClient, SalesforceResource


def test_resource_builds_a_configured_client_without_network():
    resource = SalesforceResource(
        instance_url="https://127.0.0.1:1",
        token_url="https://127.0.0.1:1/services/oauth2/token",
        client_id="id",
        client_secret="s3cr3t-value",
        bulk_threshold=50,
        request_reserve=7,
    )
    client = resource.get_client()
    assert isinstance(client, SalesforceClient)
    assert client.bulk_threshold == 50 and client.budget.reserve == 7
    assert client.transport.trust_env is False
    assert client.calls.as_dict() == {"read": 0, "write": 0, "bulk_jobs": 0, "auth": 0}
    assert "s3cr3t-value" not in repr(client)
