"""The real intuit-oauth AuthClient against the sandbox: discovery by URL, refresh over HTTPS,
refresh-token rotation, lost refresh responses, revocation, and the API's 401 dialect."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from sandbox.harness import SandboxControl as Control
from sandbox.harness import SandboxInfo
from sandbox.harness import loopback_session as sandbox_session
from tests.sandbox.qbo_fixtures import *  # noqa: F403 - the sandbox fixtures
from tests.sandbox.qbo_fixtures import QboApi


@pytest.fixture
def trust_sandbox(qbo_info: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """AuthClient is itself a requests.Session with trust_env on and builds its discovery
    request inside __init__, so REQUESTS_CA_BUNDLE decides what it trusts. Point it at the
    machine's bundle plus the sandbox CA, so other HTTPS keeps working."""
    bundle = tmp_path / "ca-bundle.pem"
    system = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
    parts = [Path(system).read_bytes()] if system and Path(system).is_file() else []
    bundle.write_bytes(b"\n".join([*parts, Path(qbo_info.ca_bundle).read_bytes()]))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return str(bundle)


def _client(info: SandboxInfo, refresh_token: str | None = None) -> AuthClient:
    creds = info.credentials
    return AuthClient(creds["client_id"], creds["client_secret"], creds["redirect_uri"],
                      creds["discovery_url"], refresh_token=refresh_token,
                      realm_id=creds["realm_id"])


def _fresh_refresh_token(info: SandboxInfo) -> str:
    return str(Control(info).post("connect")["refresh_token"])


def test_discovery_names_this_server(qbo_info: SandboxInfo, trust_sandbox: str) -> None:
    client = _client(qbo_info)
    assert client.token_endpoint == qbo_info.token_url
    assert client.revoke_endpoint.startswith(qbo_info.base_url)
    assert client.user_info_url.startswith(qbo_info.base_url)


def test_system_bundle_alone_rejects_the_sandbox_certificate(
        qbo_info: SandboxInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    system = os.environ.get("REQUESTS_CA_BUNDLE")
    if not system:
        pytest.skip("REQUESTS_CA_BUNDLE is not set on this machine")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", system)
    with pytest.raises(requests.exceptions.SSLError):
        _client(qbo_info)


def test_refresh_rotates_and_the_old_token_dies_once_the_new_one_is_used(
        qbo_info: SandboxInfo, trust_sandbox: str) -> None:
    original = _fresh_refresh_token(qbo_info)
    client = _client(qbo_info, original)
    client.refresh()
    assert client.access_token and client.expires_in == 3600
    assert client.x_refresh_token_expires_in > 8_000_000
    first = client.refresh_token
    assert first != original
    api = QboApi(qbo_info, qbo_info.credentials["realm_id"], client.access_token)
    assert api.get(f"companyinfo/{api.realm_id}").status_code == 200
    client.refresh()  # uses the rotated token: the original is now dead
    assert client.refresh_token != first
    with pytest.raises(AuthClientError) as refused:
        _client(qbo_info, original).refresh()
    assert refused.value.status_code == 400
    assert refused.value.response.json()["error"] == "invalid_grant"


def test_trust_env_off_and_verify_work_after_construction(
        qbo_info: SandboxInfo, trust_sandbox: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(qbo_info, _fresh_refresh_token(qbo_info))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    client.trust_env = False
    client.verify = qbo_info.ca_bundle
    client.refresh()
    assert client.access_token


def test_lost_refresh_response_then_retry_with_old_token_recovers(
        qbo_info: SandboxInfo, trust_sandbox: str, qbo_control: Control) -> None:
    original = _fresh_refresh_token(qbo_info)
    qbo_control.post("faults", {"method": "POST", "path": "/oauth2/v1/tokens/bearer",
                                "action": "reset_after_commit"})
    with pytest.raises(requests.exceptions.ConnectionError):
        _client(qbo_info, original).refresh()
    retry = _client(qbo_info, original)
    retry.refresh()  # grace policy: the old token still yields the committed new pair
    recovered = retry.refresh_token
    assert recovered != original
    retry.refresh()  # the new token is used now ...
    with pytest.raises(AuthClientError):
        _client(qbo_info, original).refresh()  # ... so the old one is dead


def test_strict_policy_strands_a_lost_refresh(qbo_info: SandboxInfo, trust_sandbox: str,
                                             qbo_control: Control) -> None:
    qbo_control.post("oauth", {"old_token": "strict"})
    try:
        original = _fresh_refresh_token(qbo_info)
        qbo_control.post("faults", {"method": "POST", "path": "/oauth2/v1/tokens/bearer",
                                    "action": "reset_after_commit"})
        with pytest.raises(requests.exceptions.ConnectionError):
            _client(qbo_info, original).refresh()
        with pytest.raises(AuthClientError) as refused:
            _client(qbo_info, original).refresh()
        assert refused.value.response.json()["error"] == "invalid_grant"
    finally:
        qbo_control.post("oauth", {"old_token": "grace"})


def test_consent_code_exchange_and_revoke(qbo_info: SandboxInfo, trust_sandbox: str) -> None:
    client = _client(qbo_info)
    url = client.get_authorization_url([Scopes.ACCOUNTING], state_token="xyz")
    redirect = sandbox_session(qbo_info).get(url, allow_redirects=False)
    assert redirect.status_code == 302
    query = parse_qs(urlparse(redirect.headers["location"]).query)
    assert query["state"] == ["xyz"] and query["realmId"] == [qbo_info.credentials["realm_id"]]
    client.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    assert client.access_token and client.refresh_token
    with pytest.raises(AuthClientError):
        client.get_bearer_token(query["code"][0])  # a code is single-use
    api = QboApi(qbo_info, query["realmId"][0], client.access_token)
    assert api.get("preferences").status_code == 200
    assert client.revoke() is True
    assert api.get("preferences").status_code == 401
    with pytest.raises(AuthClientError):
        client.refresh()


def test_access_token_lifetime_follows_the_scaled_clock(qbo_info: SandboxInfo,
                                                        qbo_control: Control) -> None:
    grant = qbo_control.post("connect")
    api = QboApi(qbo_info, grant["realm_id"], grant["access_token"])
    assert api.get("preferences").status_code == 200
    qbo_control.post("clock/advance", {"seconds": 3601})
    expired = api.get("preferences")
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    body = expired.json()
    assert "Fault" not in body
    assert body["fault"]["error"][0]["code"] == "3200"
    assert body["fault"]["type"] == "AUTHENTICATION"


def test_expire_all_tokens_from_the_control_plane(qbo: QboApi, qbo_control: Control) -> None:
    assert qbo.get("preferences").status_code == 200
    qbo_control.post("tokens/expire")
    assert qbo.get("preferences").status_code == 401


def test_token_for_another_realm_is_forbidden(qbo_info: SandboxInfo, qbo_us: QboApi) -> None:
    grant = Control(qbo_info).post("connect")
    other = QboApi(qbo_info, qbo_us.realm_id, grant["access_token"])
    response = other.get("preferences")
    assert response.status_code == 403
    assert response.json()["Fault"]["Error"][0]["code"] == "3100"
