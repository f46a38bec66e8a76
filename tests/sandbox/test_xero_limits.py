"""Rate limits, injected faults and call counting, seen through xero-python."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from xero_python.exceptions import HTTPStatusException, RateLimitException

from sandbox.harness import RunningSandbox, SandboxControl, SandboxInfo, loopback_session
from tests.sandbox.xero_fixtures import (  # noqa: F401 - fixtures
    XeroClient,
    create,
    launch_xero,
    line,
    make_client,
    sales_invoice,
    tag,
    xero,
    xero_control,
    xero_info,
    xero_sandbox,
)


@pytest.fixture
def limited(launch_xero: Callable[..., RunningSandbox]) -> SandboxInfo:  # noqa: F811
    return launch_xero().info  # Xero's default limits: 60/min, 5,000/day, 5 concurrent


def test_61st_call_in_a_minute_is_429_with_retry_after(limited: SandboxInfo) -> None:
    client = make_client(limited, retries=False)
    remaining = []
    for _ in range(60):
        client.accounting.get_currencies(client.tenant_id)
        headers = client.api_client.last_response.getheaders()
        remaining.append(int(headers["X-MinLimit-Remaining"]))
        assert int(headers["X-DayLimit-Remaining"]) > 4900
        assert int(headers["X-AppMinLimit-Remaining"]) > 9000
    assert remaining[0] == 59 and remaining[-1] == 0
    with pytest.raises(RateLimitException) as raised:
        client.accounting.get_currencies(client.tenant_id)
    assert raised.value.rate_limit == "minute"
    retry_after = int(raised.value.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    SandboxControl(limited).post("clock/advance", {"seconds": 60})
    assert client.accounting.get_currencies(client.tenant_id).currencies  # window moved on


def test_day_limit_gives_429_day_until_the_day_window_passes(limited: SandboxInfo) -> None:
    client = make_client(limited, retries=False)
    control = SandboxControl(limited)
    control.post("limits", {"day_used": 4999})
    client.accounting.get_organisations(client.tenant_id)
    assert client.api_client.last_response.getheaders()["X-DayLimit-Remaining"] == "0"
    with pytest.raises(RateLimitException) as raised:
        client.accounting.get_organisations(client.tenant_id)
    assert raised.value.rate_limit == "day"
    assert int(raised.value.headers["Retry-After"]) > 3600
    control.post("clock/advance", {"seconds": 86400})
    client.api_client.refresh_oauth2_token()  # a day later the access token is long dead
    assert client.accounting.get_organisations(client.tenant_id).organisations


def test_sixth_concurrent_request_is_refused(limited: SandboxInfo) -> None:
    control = SandboxControl(limited)
    control.post("faults", {"path": "/Organisation$", "action": "latency", "delay_ms": 800,
                            "times": None})
    headers = {"Authorization": f"Bearer {limited.credentials['access_token']}",
               "xero-tenant-id": limited.credentials["tenant_id"], "Accept": "application/json"}

    def call(_: int) -> requests.Response:
        return loopback_session(limited).get(f"{limited.base_url}/Organisation", headers=headers)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(call, range(6)))
    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == 1 and sum(a.status_code == 200 for a in answers) == 5
    assert refused[0].headers["X-Rate-Limit-Problem"] == "concurrent"
    assert refused[0].headers["Retry-After"] == "1"


def test_scaled_clock_shortens_the_minute_window(
        launch_xero: Callable[..., RunningSandbox]) -> None:  # noqa: F811
    info = launch_xero("--scale-time", "60", "--minute-limit", "3").info
    client = make_client(info, retries=False)
    for _ in range(3):
        client.accounting.get_currencies(client.tenant_id)
    with pytest.raises(RateLimitException) as raised:
        client.accounting.get_currencies(client.tenant_id)
    assert raised.value.headers["Retry-After"] == "1"  # 60 scaled seconds = 1 real second
    time.sleep(1.05)
    assert client.accounting.get_currencies(client.tenant_id).currencies
    # xero-python's urllib3 default Retry sleeps Retry-After and re-sends a 429 GET itself
    patient = make_client(info)
    for _ in range(2):
        patient.accounting.get_currencies(patient.tenant_id)
    started = time.monotonic()
    assert patient.accounting.get_currencies(patient.tenant_id).currencies
    assert time.monotonic() - started >= 0.9


def test_injected_429_and_503(xero_info: SandboxInfo,  # noqa: F811
                              xero_control: SandboxControl) -> None:  # noqa: F811
    client = make_client(xero_info, retries=False)
    xero_control.post("faults", {"faults": [
        {"method": "GET", "path": "/Invoices$", "action": "status", "status": 429,
         "retry_after": 7, "body": {"rate_limit_problem": "day"}},
        {"method": "GET", "path": "/Contacts$", "action": "status", "status": 503}]})
    with pytest.raises(RateLimitException) as raised:
        client.accounting.get_invoices(client.tenant_id)
    assert raised.value.rate_limit == "day" and raised.value.headers["Retry-After"] == "7"
    with pytest.raises(HTTPStatusException) as unavailable:
        client.accounting.get_contacts(client.tenant_id)
    assert unavailable.value.status == 503
    assert client.accounting.get_invoices(client.tenant_id, page=1) is not None  # rules used up


def test_reset_after_commit_then_idempotent_retry_creates_one_invoice(
        xero_info: SandboxInfo, xero_control: SandboxControl, tag: str) -> None:  # noqa: F811
    client = make_client(xero_info, retries=False)
    xero_control.post("faults", {"method": "PUT", "path": "/Invoices$",
                                 "action": "reset_after_commit"})
    invoice = sales_invoice(tag, [line("1", "9.99")], reference=tag)
    with pytest.raises(Exception):  # noqa: B017 - urllib3 connection error
        create(client, invoice, idempotency_key=f"key-{tag}")
    retried = create(client, invoice, idempotency_key=f"key-{tag}")
    assert retried.invoices[0].reference == tag
    found = client.accounting.get_invoices(client.tenant_id, where=f'Reference=="{tag}"')
    assert len(found.invoices) == 1


def test_calls_are_counted_by_kind(xero: XeroClient, xero_control: SandboxControl,  # noqa: F811
                                   tag: str) -> None:  # noqa: F811
    xero_control.post("calls/reset")
    xero.accounting.get_organisations(xero.tenant_id)
    xero.accounting.get_tax_rates(xero.tenant_id)
    create(xero, sales_invoice(tag, [line("1", "1.00")]))
    xero.accounting.get_invoices(xero.tenant_id, page=1)
    xero.identity.get_connections()
    calls = xero_control.get("calls")
    assert calls["by_kind"] == {"organisation": 1, "taxrates": 1, "invoices": 2,
                                "connections": 1}
    assert calls["by_endpoint"]["PUT /api.xro/2.0/Invoices"] == 1


def test_state_survives_a_restart(launch_xero: Callable[..., RunningSandbox],  # noqa: F811
                                  tmp_path: object, tag: str) -> None:  # noqa: F811
    first = launch_xero()
    client = make_client(first.info)
    made = create(client, sales_invoice(tag, [line("2", "5.00")])).invoices[0]
    rotated = client.api_client.refresh_oauth2_token()
    state_dir = first.info.ca_bundle.rsplit("/tls/", 1)[0]
    first.stop()
    from pathlib import Path
    second = launch_xero(state_dir=Path(state_dir))
    assert second.info.credentials["refresh_token"] == rotated["refresh_token"]
    assert second.info.credentials["tenant_id"] == first.info.credentials["tenant_id"]
    again = make_client(second.info)
    found = again.accounting.get_invoice(again.tenant_id, made.invoice_id).invoices[0]
    assert found.total == made.total and found.invoice_number == made.invoice_number
    later = create(again, sales_invoice(tag, [line("1", "1.00")])).invoices[0]
    assert later.invoice_number != made.invoice_number
    assert later.updated_date_utc > found.updated_date_utc


def test_bad_json_body_is_a_400(xero_info: SandboxInfo) -> None:  # noqa: F811
    response = loopback_session(xero_info).put(
        f"{xero_info.base_url}/Invoices", data=b"{not json",
        headers={"Authorization": f"Bearer {xero_info.credentials['access_token']}",
                 "xero-tenant-id": xero_info.credentials["tenant_id"],
                 "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["Type"] == "PostDataInvalidException"
    assert "X-MinLimit-Remaining" in response.headers



def test_urllib3_resends_a_dropped_put_and_the_idempotency_key_saves_it(
        xero_info: SandboxInfo, xero_control: SandboxControl, tag: str) -> None:  # noqa: F811
    """With default retries xero-python re-sends a PUT whose connection dropped: without an
    Idempotency-Key that would be a duplicate invoice; with one it is a replay."""
    client = make_client(xero_info)
    xero_control.post("faults", {"method": "PUT", "path": "/Invoices$",
                                 "action": "reset_after_commit"})
    made = create(client, sales_invoice(tag, [line("1", "1.00")], reference=tag),
                  idempotency_key=f"auto-{tag}")
    assert made.invoices[0].reference == tag
    found = client.accounting.get_invoices(client.tenant_id, where=f'Reference=="{tag}"')
    assert len(found.invoices) == 1
    assert client.api_client.last_response is not None
