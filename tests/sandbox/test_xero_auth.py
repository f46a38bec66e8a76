"""Identity through the real xero-python client: refresh rotation, the grace rule,
connections, tenant and token errors, and the CA set where xero-python reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from xero_python.exceptions import HTTPStatusException

from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo, loopback_session
from tests.sandbox.xero_fixtures import (  # noqa: F401 - fixtures
    XeroClient,
    launch_xero,
    make_client,
    xero,
    xero_control,
    xero_info,
    xero_sandbox,
)


def _refresh_with(client: XeroClient, refresh_token: str) -> dict[str, Any]:
    client.token["refresh_token"] = refresh_token
    return dict(client.api_client.refresh_oauth2_token())


@pytest.fixture
def private(launch_xero: Callable[..., RunningSandbox]) -> SandboxInfo:  # noqa: F811
    return launch_xero().info


def test_refresh_rotates_and_the_old_token_dies_once_the_new_one_is_used(
        private: SandboxInfo) -> None:
    client = make_client(private)
    first = private.credentials["refresh_token"]
    second = _refresh_with(client, first)
    assert second["refresh_token"] != first
    assert second["token_type"] == "Bearer" and second["expires_in"] == 1800
    assert "accounting.transactions" in second["scope"]
    # the new access token works against the accounting API
    assert client.accounting.get_organisations(client.tenant_id).organisations
    third = _refresh_with(client, second["refresh_token"])  # successor used ...
    assert third["refresh_token"] not in (first, second["refresh_token"])
    with pytest.raises(HTTPStatusException) as raised:
        _refresh_with(client, first)  # ... so the predecessor is dead
    assert raised.value.status == 400
    assert raised.value.body == b'{"error": "invalid_grant"}'


def test_lost_refresh_response_can_be_retried_within_the_grace_period(
        private: SandboxInfo) -> None:
    control = SandboxControl(private)
    client = make_client(private)
    original = private.credentials["refresh_token"]
    control.post("faults", {"method": "POST", "path": "/connect/token",
                            "action": "reset_after_commit"})
    with pytest.raises(Exception):  # noqa: B017 - urllib3 raises its own connection errors
        _refresh_with(client, original)
    retried = _refresh_with(client, original)  # rotation committed, answer lost: retry works
    again = _refresh_with(client, original)  # still unused successor -> same successor
    assert retried["refresh_token"] == again["refresh_token"] != original
    assert retried["access_token"] != again["access_token"]
    control.post("clock/advance", {"seconds": 30 * 60 + 1})  # grace is over
    with pytest.raises(Exception, match="invalid_grant"):
        _refresh_with(client, original)
    assert _refresh_with(client, retried["refresh_token"])["refresh_token"]


def test_unused_refresh_token_expires_after_60_days(private: SandboxInfo) -> None:
    SandboxControl(private).post("clock/advance", {"seconds": 60 * 86400 + 1})
    with pytest.raises(Exception, match="invalid_grant"):
        _refresh_with(make_client(private), private.credentials["refresh_token"])


def test_wrong_client_secret_is_invalid_client(private: SandboxInfo) -> None:
    session = loopback_session(private)
    refused = session.post(private.token_url, auth=(private.credentials["client_id"], "nope"),
                           data={"grant_type": "refresh_token",
                                 "refresh_token": private.credentials["refresh_token"]})
    assert refused.status_code == 400 and refused.json() == {"error": "invalid_client"}
    basic = session.post(private.token_url, auth=(private.credentials["client_id"],
                                                  private.credentials["client_secret"]),
                         data={"grant_type": "refresh_token",
                               "refresh_token": private.credentials["refresh_token"]})
    assert basic.status_code == 200, basic.text  # HTTP Basic client auth (xero-node) works


def test_access_token_lives_30_minutes_then_401_token_expired(private: SandboxInfo) -> None:
    client = make_client(private)
    assert client.accounting.get_organisations(client.tenant_id)
    SandboxControl(private).post("clock/advance", {"seconds": 30 * 60})
    with pytest.raises(HTTPStatusException) as raised:
        client.accounting.get_organisations(client.tenant_id)
    assert raised.value.status == 401
    body = raised.value.body.decode()
    assert '"detail": "TokenExpired' in body and '"title": "Unauthorized"' in body
    assert "invalid_token" in raised.value.headers.get("WWW-Authenticate", "")


def test_scaled_clock_reports_real_second_lifetimes(
        launch_xero: Callable[..., RunningSandbox]) -> None:  # noqa: F811
    info = launch_xero("--scale-time", "60").info
    token = _refresh_with(make_client(info), info.credentials["refresh_token"])
    assert token["expires_in"] == 30  # 30 scaled minutes last 30 real seconds


def test_connections_lists_the_tenant_in_either_path_case(xero: XeroClient,  # noqa: F811
                                                          xero_info: SandboxInfo) -> None:  # noqa: F811
    connections = xero.identity.get_connections()  # xero-python asks for /Connections
    assert [c.tenant_id for c in connections] == [xero.tenant_id]
    assert connections[0].tenant_type == "ORGANISATION"
    assert connections[0].tenant_name == "Concord Sandbox GmbH"
    lower = loopback_session(xero_info).get(
        xero_info.extra["connections_url"],
        headers={"Authorization": f"Bearer {xero.token['access_token']}"})
    assert lower.status_code == 200 and lower.json()[0]["tenantId"] == xero.tenant_id
    org = xero.accounting.get_organisations(xero.tenant_id).organisations[0]
    assert org.organisation_id == xero.tenant_id  # xero-node joins on this


def test_unknown_tenant_is_403_and_bad_token_is_401(xero_info: SandboxInfo) -> None:  # noqa: F811
    session = loopback_session(xero_info)
    token = xero_info.credentials["access_token"]
    forbidden = session.get(f"{xero_info.base_url}/Invoices", headers={
        "Authorization": f"Bearer {token}",
        "xero-tenant-id": "00000000-0000-0000-0000-000000000000"})
    assert forbidden.status_code == 403
    assert forbidden.json()["Title"] == "Forbidden"  # PascalCase problem body
    unauthorised = session.get(f"{xero_info.base_url}/Invoices", headers={
        "Authorization": "Bearer not-a-token", "xero-tenant-id": xero_info.credentials[
            "tenant_id"]})
    assert unauthorised.status_code == 401
    assert unauthorised.json()["detail"] == "AuthenticationUnsuccessful"  # lower-case keys


def test_expire_control_makes_current_tokens_401_and_refresh_recovers(
        private: SandboxInfo) -> None:
    client = make_client(private)
    SandboxControl(private).post("tokens/expire")
    with pytest.raises(HTTPStatusException) as raised:
        client.accounting.get_organisations(client.tenant_id)
    assert raised.value.status == 401
    client.api_client.refresh_oauth2_token()
    assert client.accounting.get_organisations(client.tenant_id).organisations


def test_ssl_ca_cert_is_what_counts_even_with_requests_ca_bundle_set(
        monkeypatch: pytest.MonkeyPatch, xero_info: SandboxInfo) -> None:  # noqa: F811
    """The machine exports REQUESTS_CA_BUNDLE/SSL_CERT_FILE (system store, which does not
    hold the sandbox CA); xero-python (urllib3) must still verify with ssl_ca_cert."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    client = make_client(xero_info)
    assert client.accounting.get_currencies(client.tenant_id).currencies
    info = SandboxInfo(xero_info.name, xero_info.base_url, xero_info.token_url,
                       "/etc/ssl/certs/ca-certificates.crt", xero_info.credentials,
                       xero_info.extra)
    with pytest.raises(Exception, match=r"(?i)ssl|certificate"):
        make_client(info).accounting.get_currencies(client.tenant_id)
