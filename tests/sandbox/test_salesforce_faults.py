"""Injected faults, call counting and restarts, seen through the real client."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceGeneralError

from sandbox.harness import RunningSandbox, SandboxInfo


def test_injected_429_carries_retry_after_then_clears(sf: Salesforce, control: Any) -> None:
    control.post("faults", {"method": "GET", "path": r"/query$", "action": "status",
                            "status": 429, "retry_after": 7})
    url = f"{sf.base_url}query/"
    refused = sf.session.get(url, headers=sf.headers, params={"q": "SELECT Id FROM User"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "7"
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 13  # 12 people + Concord


def test_injected_503_for_the_next_n_matching_requests(sf: Salesforce, control: Any) -> None:
    control.post("faults", {"faults": [{"method": "POST", "path": "/sobjects/Account",
                                        "action": "status", "status": 503, "times": 2}]})
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as raised:
            sf.Account.create({"Name": "Unlucky"})
        assert raised.value.status == 503
    assert sf.Account.create({"Name": "Third time"})["success"] is True
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 13  # other paths untouched


def test_reset_after_commit_writes_then_drops_the_connection(sf: Salesforce, control: Any,
                                                             tag: str) -> None:
    control.post("faults", {"method": "PATCH", "path": "/sobjects/Account/Concord_Id__c/",
                            "action": "reset_after_commit"})
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Account.upsert(f"Concord_Id__c/{tag}", {"Name": "Committed"})
    row = sf.Account.get_by_custom_id("Concord_Id__c", tag)
    assert row["Name"] == "Committed"
    retried = sf.Account.upsert(f"Concord_Id__c/{tag}", {"Name": "Committed"},
                                raw_response=True)
    assert retried.status_code == 200  # the retry finds the record: no duplicate


def test_latency_fault_delays_the_answer(sf: Salesforce, control: Any) -> None:
    control.post("faults", {"path": "/limits", "action": "latency", "delay_ms": 300})
    started = time.monotonic()
    sf.limits()
    assert time.monotonic() - started >= 0.3


def test_calls_are_counted_by_kind(sf: Salesforce, control: Any) -> None:
    control.post("calls/reset")
    sf.query("SELECT Id FROM User")
    sf.query_all("SELECT Id FROM User", include_deleted=True)
    sf.Account.describe()
    sf.Account.create({"Name": "Counted"})
    sf.limits()
    calls = control.get("calls")
    assert calls["by_kind"] == {"query": 1, "queryAll": 1, "describe": 1, "sobject": 1,
                                "limits": 1}
    assert calls["total"] == 5
    assert calls["by_endpoint"]["POST /services/data/vXX.X/sobjects/{T}"] == 1


def test_restart_keeps_records_credentials_and_ca(
        launch: Callable[..., RunningSandbox], tmp_path: Path,
        make_sf: Callable[..., Salesforce]) -> None:
    state_dir = tmp_path / "org"
    first = launch(state_dir)
    info: SandboxInfo = first.info
    sf = make_sf(info.credentials["access_token"], info)
    created = sf.Account.create({"Name": "Survivor", "Concord_Id__c": "restart-1"})["id"]
    ca_before = Path(info.ca_bundle).read_bytes()
    first.stop()
    assert first.proc.returncode == 0

    second = launch(state_dir)
    assert Path(second.info.ca_bundle).read_bytes() == ca_before
    assert second.info.credentials == info.credentials
    sf2 = make_sf(second.info.credentials["access_token"], second.info)
    assert sf2.Account.get_by_custom_id("Concord_Id__c", "restart-1")["Id"] == created
    later = sf2.Account.create({"Name": "After restart"})
    assert later["id"] != created
    stamps = sf2.query("SELECT SystemModstamp FROM Account ORDER BY SystemModstamp")["records"]
    assert stamps[0]["SystemModstamp"] < stamps[1]["SystemModstamp"]
