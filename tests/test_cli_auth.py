"""`concord auth xero|qbo`: consent for a tenant, its tokens stored encrypted in the ledger.

The command runs as a user runs it (a process, configured by environment variables) against
the sandbox Xero and QBO over HTTPS. The test plays the browser: it opens the printed
authorize URL, the sandbox approves and redirects, and the redirect reaches the command
either through its loopback listener or pasted on stdin. Then the stored token must work
with the real clients, and no token, code or key may appear in anything printed.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from concord.errors import FatalError
from concord.ledger import Ledger
from integration_dags.auth import Redirect, XeroConsent, authorise, parse_redirect
from resources.xero import XeroClient
from sandbox.harness import (
    RunningSandbox,
    SandboxControl,
    SandboxInfo,
    launch_sandbox,
    loopback_session,
)

KEY = Fernet.generate_key().decode()
PROJECT = Path(__file__).resolve().parent.parent
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module")
def xero(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    running: RunningSandbox = launch_sandbox("xero", tmp_path_factory.mktemp("auth-xero"))
    yield running.info
    running.stop()


@pytest.fixture(scope="module")
def qbo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    running = launch_sandbox("qbo", tmp_path_factory.mktemp("auth-qbo"))
    yield running.info
    running.stop()


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """Everything the command could write goes under tmp_path; the machine's CA variables
    stay set (they do not hold the sandboxes' CA: the command must pin its own)."""
    return {"CONCORD_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dagster_home"),
            "CONCORD_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
            "CONCORD_TOKEN_KEY": KEY,
            "REQUESTS_CA_BUNDLE": SYSTEM_CA, "CURL_CA_BUNDLE": SYSTEM_CA}


def xero_env(info: SandboxInfo) -> dict[str, str]:
    return {"XERO_CLIENT_ID": info.credentials["client_id"],
            "XERO_CLIENT_SECRET": info.credentials["client_secret"],
            "XERO_AUTHORIZE_URL": info.extra["identity_url"] + "/identity/connect/authorize",
            "XERO_TOKEN_URL": info.token_url,
            "XERO_CONNECTIONS_URL": info.extra["connections_url"],
            "XERO_CA_BUNDLE": info.ca_bundle}


def qbo_env(info: SandboxInfo) -> dict[str, str]:
    return {"QBO_CLIENT_ID": info.credentials["client_id"],
            "QBO_CLIENT_SECRET": info.credentials["client_secret"],
            "QBO_DISCOVERY_URL": info.credentials["discovery_url"],
            "QBO_CA_BUNDLE": info.ca_bundle}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_auth(args: list[str], env: dict[str, str],
             browser: Callable[[str], str | None]) -> tuple[int, str, str]:
    """`concord auth ARGS` in its own process; `browser(authorize_url)` plays the user and
    returns what to paste (None: nothing, the listener takes the redirect)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("XERO_", "QBO_", "CONCORD_"))}
    proc = subprocess.Popen([sys.executable, "-m", "integration_dags", "auth", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=PROJECT,
                            env={**clean, **env})
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    shown: list[str] = []
    err: list[str] = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    drain.start()
    try:
        while not shown or not shown[-1].strip().startswith("https://"):
            line = proc.stdout.readline()  # the same buffer the rest is read from below
            if not line:
                proc.wait(timeout=30)
                drain.join(30)
                raise AssertionError(f"no authorize URL printed: {''.join(shown)}{err}")
            shown.append(line)
        pasted = browser(shown[-1].strip())
        if pasted is not None:
            proc.stdin.write(pasted)
        proc.stdin.close()
        proc.wait(timeout=30)
        shown.append(proc.stdout.read())
        drain.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, "".join(shown), "".join(err)


def stored_ciphertext(url: str, system: str, tenant: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        text = conn.exec_driver_sql("SELECT ciphertext FROM tokens WHERE system = ? AND "
                                    "tenant = ?", (system, tenant)).scalar_one()
    engine.dispose()
    return str(text)


def test_auth_xero_listens_for_the_redirect_and_stores_a_working_token(
        xero: SandboxInfo, home: dict[str, str]) -> None:
    tenant = xero.credentials["tenant_id"]
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    codes: list[str] = []

    def browser(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        assert query["redirect_uri"] == [redirect_uri] and "offline_access" in query["scope"][0]
        # the sandbox approves and redirects; requests follows into the command's listener
        answer = loopback_session(xero).get(url, timeout=10)
        assert answer.status_code == 200 and "Concord received the consent" in answer.text
        codes.append(parse_qs(urlsplit(answer.history[0].headers["Location"]).query)["code"][0])

    started = datetime.now(UTC)
    rc, out, err = run_auth(["xero", "--redirect-uri", redirect_uri],
                            {**home, **xero_env(xero)}, browser)
    assert rc == 0, err
    assert f'tenant "Concord Sandbox GmbH" {tenant}' in out  # the name from /connections
    assert f"XERO_TENANT_ID={tenant}" in out

    ledger = Ledger.open(home["CONCORD_LEDGER_URL"], token_key=KEY)
    stored = ledger.get_token("xero", tenant)
    assert stored is not None and stored.version == 1
    assert stored.refresh_expires_at is not None
    assert abs(stored.refresh_expires_at - (started + timedelta(days=60))) < timedelta(minutes=1)
    ciphertext = stored_ciphertext(home["CONCORD_LEDGER_URL"], "xero", tenant)
    assert stored.access_token not in ciphertext and stored.refresh_token not in ciphertext
    for secret in (stored.access_token, stored.refresh_token, codes[0], KEY,
                   xero.credentials["client_secret"]):
        assert secret not in out and secret not in err

    # the connector works on what consent stored: reads now, and refreshes later
    client = XeroClient(base_url=xero.base_url, token_url=xero.token_url,
                        connections_url=xero.extra["connections_url"],
                        client_id=xero.credentials["client_id"],
                        client_secret=xero.credentials["client_secret"],
                        tenant_id=tenant, ledger=ledger, ca_bundle=xero.ca_bundle,
                        minute_limit=10_000)
    organisation = client.accounting.get_organisations(tenant).organisations[0]
    assert str(organisation.organisation_id) == tenant
    assert isinstance(list(client.invoices_changed_since(None)), list)
    SandboxControl(xero).expire_tokens()
    assert client.accounting.get_organisations(tenant).organisations
    assert client.vault.refreshes == 1
    assert ledger.get_token("xero", tenant).refresh_token != stored.refresh_token


def test_auth_qbo_takes_the_pasted_redirect_and_stores_the_realm(
        qbo: SandboxInfo, home: dict[str, str]) -> None:
    realm = qbo.credentials["realm_id"]
    pasted: list[str] = []

    def browser(url: str) -> str:
        assert url.startswith(qbo.base_url) and "com.intuit.quickbooks.accounting" in url
        answer = loopback_session(qbo).get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302
        pasted.append(answer.headers["Location"])
        return pasted[0] + "\n"

    started = datetime.now(UTC)
    # not a loopback URI: the command asks for the redirect to be pasted
    rc, out, err = run_auth(["qbo", "--redirect-uri", "https://app.example.com/qbo/callback"],
                            {**home, **qbo_env(qbo)}, browser)
    assert rc == 0, err
    assert "Then paste the address your browser was sent to" in out and f"QBO_REALM_ID={realm}" in out

    ledger = Ledger.open(home["CONCORD_LEDGER_URL"], token_key=KEY)
    stored = ledger.get_token("qbo", realm)
    assert stored is not None and stored.refresh_expires_at is not None
    # Intuit's x_refresh_token_expires_in (8,726,400 s, about 101 days) is what is recorded
    assert abs(stored.refresh_expires_at - (started + timedelta(seconds=8_726_400))) \
        < timedelta(minutes=1)
    code = parse_qs(urlsplit(pasted[0]).query)["code"][0]
    for secret in (stored.access_token, stored.refresh_token, code, KEY):
        assert secret not in out and secret not in err
        assert secret not in stored_ciphertext(home["CONCORD_LEDGER_URL"], "qbo", realm)
    info = loopback_session(qbo).get(
        f"{qbo.base_url}/v3/company/{realm}/companyinfo/{realm}",
        params={"minorversion": 75}, timeout=10,
        headers={"Authorization": f"Bearer {stored.access_token}", "Accept": "application/json"})
    assert info.status_code == 200 and info.json()["CompanyInfo"]["CompanyName"]


def test_a_redirect_for_another_consent_is_refused_and_nothing_is_stored(
        xero: SandboxInfo, home: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**home, **xero_env(xero)}.items():
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    forged = "http://localhost:8765/callback?code=stolen-code&state=someone-elses"
    rc = authorise("xero", mode="paste", stdin=io.StringIO(forged + "\n"), out=out, err=err,
                   ledger_url=home["CONCORD_LEDGER_URL"])
    assert rc == 1 and "state does not match" in err.getvalue()
    assert "stolen-code" not in out.getvalue() + err.getvalue()
    ledger = Ledger.open(home["CONCORD_LEDGER_URL"], token_key=KEY)
    assert ledger.get_token("xero", xero.credentials["tenant_id"]) is None


def test_without_a_token_key_nothing_is_asked_of_the_user(
        xero: SandboxInfo, home: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in xero_env(xero).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CONCORD_TOKEN_KEY", raising=False)
    out, err = io.StringIO(), io.StringIO()
    rc = authorise("xero", mode="paste", stdin=io.StringIO(""), out=out, err=err,
                   ledger_url=home["CONCORD_LEDGER_URL"])
    assert rc == 2 and "CONCORD_TOKEN_KEY is not set" in err.getvalue()
    assert out.getvalue() == ""  # no authorize URL: a consent now would be wasted


def test_a_used_code_or_unknown_tenant_is_refused_without_echoing_secrets(
        xero: SandboxInfo) -> None:
    redirect_uri = "http://localhost:8765/callback"
    consent = XeroConsent(client_id=xero.credentials["client_id"],
                          client_secret=xero.credentials["client_secret"],
                          redirect_uri=redirect_uri,
                          authorize_url=xero.extra["identity_url"] + "/identity/connect/authorize",
                          token_url=xero.token_url, connections_url=xero.extra["connections_url"],
                          ca_bundle=xero.ca_bundle, tenant="00000000-0000-0000-0000-000000000000")
    answer = loopback_session(xero).get(consent.authorize_url("s1"), allow_redirects=False,
                                        timeout=10)
    redirect = parse_redirect(answer.headers["Location"], "s1")
    with pytest.raises(FatalError) as unknown:
        consent.exchange(redirect)
    assert "not among the organisations" in str(unknown.value)
    assert xero.credentials["tenant_id"] in str(unknown.value)  # says which ones it could be
    with pytest.raises(FatalError) as reused:
        consent.exchange(redirect)  # an authorization code is single-use
    assert reused.value.vendor_code == "invalid_grant" and redirect.code not in str(reused.value)
    assert redirect.code not in repr(redirect)
    with pytest.raises(FatalError, match=r"consent not given \(access_denied\)"):
        parse_redirect(f"{redirect_uri}?error=access_denied&state=s2", "s2")
    with pytest.raises(FatalError, match="no authorization code"):
        parse_redirect(f"{redirect_uri}?state=s3", "s3")
    assert parse_redirect(f"{redirect_uri}?code=c&state=s4&realmId=42", "s4") == Redirect("c", "42")
