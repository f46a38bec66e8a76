"""The transport under faults: CA pitfall, expired tokens, 429s, resets, daily limits, secrets."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import requests
from simple_salesforce import Salesforce

from concord.errors import (
    ConnectorError,
    FatalError,
    RateLimitExhausted,
    RetriableError,
    UncertainWrite,
)
from resources.connector import RetryPolicy
from resources.salesforce import SalesforceClient
from sandbox.harness import SandboxInfo

if TYPE_CHECKING:
    from .conftest import SandboxControl


def _accounts(tag: str, n: int, start: int = 0) -> list[dict]:
    return [{"Concord_Id__c": f"{tag}-{i:05d}", "Name": f"Account {tag} {i}"}
            for i in range(start, start + n)]


def test_sandbox_ca_is_used_despite_requests_ca_bundle(
    sf_sandbox: SandboxInfo, client: SalesforceClient
):
    naive = requests.Session()
    naive.verify = sf_sandbox.ca_bundle  # ignored: REQUESTS_CA_BUNDLE wins when trust_env
    sf = Salesforce(instance_url=sf_sandbox.base_url, session_id="x", session=naive)
    with pytest.raises(requests.exceptions.SSLError):
        sf.limits()
    assert client.limits()["DailyApiRequests"]["Max"] > 0


def test_expired_token_is_renewed_transparently(
    client: SalesforceClient, clean_sandbox: SandboxControl, tag: str
):
    client.limits()
    clean_sandbox.expire_tokens()
    results = [r for b in client.upsert("Account", "Concord_Id__c", _accounts(tag, 3))
               for r in b]
    assert all(r.success for r in results)
    calls = client.calls.as_dict()
    assert calls["auth"] == 2
    assert calls["write"] == 2  # the refused send and the re-signed one
    clean_sandbox.expire_tokens()
    assert len(list(client.query("SELECT Id FROM User"))) >= 12


def test_429_retry_after_is_honoured(
    client: SalesforceClient, clean_sandbox: SandboxControl
):
    client.limits()
    clean_sandbox.fault(method="GET", path="/query", times=1, action="status", status=429,
                        retry_after=1)
    started = time.monotonic()
    users = list(client.query("SELECT Id FROM User"))
    waited = time.monotonic() - started
    assert len(users) >= 12
    assert waited >= 1.0
    assert client.calls.by_endpoint()["query"] == 2 and client.calls.retries == 1


def test_persistent_503_gives_up_after_the_bounded_attempts(
    make_client: Callable[..., SalesforceClient], clean_sandbox: SandboxControl
):
    waits: list[float] = []
    client = make_client(retry=RetryPolicy(attempts=3, base=0.5, cap=4.0), sleep=waits.append)
    client.limits()
    clean_sandbox.fault(method="GET", path="/query", times=None, action="status", status=503)
    with pytest.raises(RetriableError) as err:
        list(client.query("SELECT Id FROM User"))
    assert err.value.status == 503 and err.value.system == "salesforce"
    assert client.calls.by_endpoint()["query"] == 3
    assert len(waits) == 2 and 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0


def test_a_retry_after_too_long_to_wait_fails_at_once_with_the_hint(
    make_client: Callable[..., SalesforceClient], clean_sandbox: SandboxControl
):
    waits: list[float] = []
    client = make_client(retry=RetryPolicy(max_retry_after=60), sleep=waits.append)
    client.limits()
    clean_sandbox.fault(method="GET", path="/query", times=1, action="status", status=429,
                        retry_after=3600)
    with pytest.raises(RetriableError) as err:
        list(client.query("SELECT Id FROM User"))
    assert err.value.retry_after == 3600 and waits == []
    assert client.calls.by_endpoint()["query"] == 1


def test_connection_resets_on_reads_are_retried_transparently(
    make_client: Callable[..., SalesforceClient], clean_sandbox: SandboxControl
):
    waits: list[float] = []
    client = make_client(sleep=waits.append)
    client.limits()
    clean_sandbox.fault(method="GET", path="/query", times=2, action="reset_before")
    assert len(list(client.query("SELECT Id FROM User"))) >= 12
    assert client.calls.by_endpoint()["query"] == 3 and len(waits) == 2


def test_reset_after_commit_upsert_is_resent_without_duplicates(
    client: SalesforceClient, clean_sandbox: SandboxControl, tag: str
):
    client.limits()
    clean_sandbox.fault(method="PATCH", path="/composite/sobjects/Account", times=1,
                        action="reset_after_commit")
    rows = _accounts(f"RST-{tag}", 5)
    results = [r for b in client.upsert("Account", "Concord_Id__c", rows) for r in b]
    assert all(r.success for r in results)
    assert client.calls.by_endpoint()["collections:upsert"] == 2
    found = list(client.find_by("Account", ["Id", "Concord_Id__c"], "Concord_Id__c",
                                [r["Concord_Id__c"] for r in rows]))
    assert sorted(r["Concord_Id__c"] for r in found) == sorted(r["Concord_Id__c"] for r in rows)


def test_reset_after_commit_of_a_plain_create_is_an_uncertain_write(
    client: SalesforceClient, clean_sandbox: SandboxControl, tag: str
):
    client.limits()
    clean_sandbox.fault(method="POST", path="/composite/sobjects", times=1,
                        action="reset_after_commit")
    body = ('{"allOrNone": false, "records": [{"attributes": {"type": "Account"}, '
            f'"Name": "Create {tag}"}}]}}')
    with pytest.raises(UncertainWrite):
        client.sf.restful("composite/sobjects", method="POST", data=body)
    assert client.calls.by_endpoint()["collections:create"] == 1  # not re-sent


def test_daily_limit_stops_after_yielding_finished_batches(
    make_client: Callable[..., SalesforceClient], clean_sandbox: SandboxControl, tag: str
):
    client = make_client(request_reserve=0)
    clean_sandbox.limits(max=1_000, used=997)
    done: list[list] = []
    with pytest.raises(RateLimitExhausted) as err:
        for batch in client.upsert("Account", "Concord_Id__c", _accounts(f"DAY-{tag}", 1000)):
            done.append(batch)
    assert err.value.system == "salesforce"
    assert len(done) == 3 and all(r.success for b in done for r in b)
    assert client.budget.remaining == 0


def test_server_refusal_of_the_daily_limit_is_rate_limit_exhausted(
    client: SalesforceClient, clean_sandbox: SandboxControl, tag: str
):
    batches = client.upsert("Account", "Concord_Id__c", _accounts(f"REF-{tag}", 600))
    first = next(batches)
    assert len(first) == 200 and all(r.success for r in first)
    clean_sandbox.limits(exhausted=True)
    with pytest.raises(RateLimitExhausted) as err:
        next(batches)
    assert err.value.vendor_code == "REQUEST_LIMIT_EXCEEDED" and err.value.obj == "Account"


def test_secrets_never_reach_logs_or_errors(
    sf_sandbox: SandboxInfo, make_client: Callable[..., SalesforceClient],
    clean_sandbox: SandboxControl, caplog: pytest.LogCaptureFixture, tag: str
):
    caplog.set_level(logging.DEBUG)
    creds = sf_sandbox.credentials
    client = make_client(username=creds["username"], password=creds["password"])
    list(client.query("SELECT Id FROM User"))
    first_token = client._auth.access_token()
    clean_sandbox.expire_tokens()
    list(client.upsert("Account", "Concord_Id__c", _accounts(f"SEC-{tag}", 2)))
    errors: list[ConnectorError] = []
    try:
        list(client.query("SELECT Nope__c FROM Account"))
    except FatalError as exc:
        errors.append(exc)
    wrong = make_client(client_secret="not-the-secret-" + tag)
    try:
        wrong.limits()
    except FatalError as exc:
        errors.append(exc)
    assert len(errors) == 2 and errors[1].status == 400
    secrets = [creds["client_secret"], creds["password"], creds["access_token"], first_token,
               client._auth.access_token(), "not-the-secret-" + tag]
    text = caplog.text + "".join(f"{e!s}{e!r}" for e in errors) + repr(client)
    assert "salesforce POST" in caplog.text and "q=***" in caplog.text
    for secret in secrets:
        assert secret not in text
