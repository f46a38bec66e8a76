"""Tokens, sessions and the daily API allowance, driven through simple-salesforce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceExpiredSession, SalesforceRefusedRequest
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sandbox.harness import SandboxInfo
from sandbox.reference import INTEGRATION_USER

Http = Callable[[SandboxInfo], requests.Session]
MakeSf = Callable[..., Salesforce]


def _login_domain(info: SandboxInfo) -> str:
    """simple-salesforce logs in at https://{domain}.salesforce.com/services/oauth2/token;
    this domain makes that URL land on the sandbox's token endpoint."""
    return f"{urlparse(info.base_url).netloc}/services/oauth2/token?host="


def test_client_credentials_token_is_accepted_by_the_api(
        sf_info: SandboxInfo, http: Http, make_sf: MakeSf) -> None:
    creds = sf_info.credentials
    response = http(sf_info).post(sf_info.token_url, data={
        "grant_type": "client_credentials", "client_id": creds["client_id"],
        "client_secret": creds["client_secret"]})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at",
                         "signature"}
    assert body["instance_url"] == sf_info.base_url
    assert body["token_type"] == "Bearer"
    sf = make_sf(body["access_token"])
    # ten people plus the integration user the client-credentials flow runs as
    assert sf.query("SELECT Id FROM User WHERE IsActive = TRUE")["totalSize"] == 11
    assert body["id"].endswith(f"/{INTEGRATION_USER.id}")


def test_simple_salesforce_logs_in_by_itself_with_both_flows(
        sf_info: SandboxInfo, http: Http, make_sf: MakeSf) -> None:
    creds = sf_info.credentials
    domain = _login_domain(sf_info)
    by_client = Salesforce(consumer_key=creds["client_id"], consumer_secret=creds["client_secret"],
                           domain=domain, session=http(sf_info), version="60.0")
    by_password = Salesforce(username=creds["username"], password=creds["password"],
                             consumer_key=creds["client_id"],
                             consumer_secret=creds["client_secret"], domain=domain,
                             session=http(sf_info), version="60.0")
    for sf in (by_client, by_password):
        assert sf.sf_instance == urlparse(sf_info.base_url).netloc
        assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 13  # 12 people + Concord


def test_wrong_password_is_invalid_grant(
        sf_info: SandboxInfo, http: Http, make_sf: MakeSf) -> None:
    creds = sf_info.credentials
    response = http(sf_info).post(sf_info.token_url, data={
        "grant_type": "password", "client_id": creds["client_id"],
        "client_secret": creds["client_secret"], "username": creds["username"],
        "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant",
                               "error_description": "authentication failure"}
    with pytest.raises(SalesforceAuthenticationFailed):
        Salesforce(username=creds["username"], password="wrong", consumer_key=creds["client_id"],
                   consumer_secret=creds["client_secret"], domain=_login_domain(sf_info),
                   session=http(sf_info))


def test_expired_tokens_give_invalid_session_id(
        sf_info: SandboxInfo, control: Any, make_sf: MakeSf) -> None:
    sf = make_sf()
    sf.query("SELECT Id FROM Account LIMIT 1")
    control.post("tokens/expire")
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert raised.value.status == 401
    assert raised.value.content == [{"message": "Session expired or invalid",
                                     "errorCode": "INVALID_SESSION_ID"}]
    assert make_sf().query("SELECT COUNT() FROM User")["totalSize"] == 13  # 12 people + Concord


def test_usage_header_and_daily_limit(
        sf_info: SandboxInfo, control: Any, make_sf: MakeSf) -> None:
    sf = make_sf()
    before = control.get("limits")
    try:
        control.post("limits", {"max": 5000, "used": 4998})
        limits = sf.limits()
        assert limits["DailyApiRequests"] == {"Max": 5000, "Remaining": 1}
        assert sf.api_usage["api-usage"].used == 4999
        assert sf.api_usage["api-usage"].total == 5000
        sf.query("SELECT Id FROM User LIMIT 1")  # the last allowed call
        with pytest.raises(SalesforceRefusedRequest) as raised:
            sf.query("SELECT Id FROM User LIMIT 1")
        assert raised.value.status == 403
        assert raised.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    finally:
        control.post("limits", {"max": before["max"], "used": before["used"]})
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 13  # 12 people + Concord
