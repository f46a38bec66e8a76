"""`concord plan SYNC`: the writes the next run would make, with not one write sent."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from simple_salesforce import Salesforce

from integration_dags.cli import main
from sandbox.harness import SandboxControl
from tests.assets.conftest import (  # noqa: F401 - fixtures, used by name
    e2e_salesforce,
    instance,
    sf,
    sync_env,
    wipe_org,
)
from tests.assets.stewarding import resolve_open_clusters

SYNC = "crm_accounts"


@pytest.fixture(scope="module")
def platform_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Half the size of tests/assets' platform (sync_env copies it): the dry runs here
    need volume only to have creates, duplicates and references to look at."""
    from sandbox.platform import generate_platform

    path = tmp_path_factory.mktemp("plan-platform") / "platform.sqlite"
    generate_platform(path, scale=150, seed=3)
    return path


@dataclass
class E2E:
    home: Path  # the private platform copy, ledger and DAGSTER_HOME of this test
    control: SandboxControl
    sf: Salesforce


@pytest.fixture
def e2e(request: pytest.FixtureRequest) -> E2E:
    """The end-to-end fixtures of tests/assets, looked up by name (imported above)."""
    home = request.getfixturevalue("sync_env")
    org = request.getfixturevalue("sf")
    info = request.getfixturevalue("e2e_salesforce")
    wipe_org(info)
    return E2E(home, SandboxControl(info), org)


def write_calls(control: SandboxControl) -> int:
    """Every call that could change the org: sObject writes, Collections, Bulk ingest."""
    calls = control.calls()
    sobject_writes = sum(n for endpoint, n in calls["by_endpoint"].items()
                         if "/sobjects/" in endpoint and "/composite/" not in endpoint
                         and not endpoint.startswith("GET "))
    kinds = calls["by_kind"]
    return sobject_writes + kinds.get("collections", 0) + kinds.get("bulk_ingest", 0)


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["plan", SYNC, "--json", "--limit", "0", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_plan_on_a_fresh_setup_lists_creates_and_writes_nothing(
        e2e: E2E, capsys: pytest.CaptureFixture[str]) -> None:
    before = write_calls(e2e.control)

    # every dedupe tier is `review`: the first plan stops at the duplicate check
    assert main(["plan", SYNC, "--json", "--limit", "0"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    resolve_open_clusters(os.environ["CONCORD_LEDGER_URL"])
    plan = plan_json(capsys)

    assert write_calls(e2e.control) == before, "a dry run sent a write to Salesforce"
    assert e2e.sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    assert plan["dry_run"] is True and plan["ok"] is True
    assert plan["partition_range"][0] == "2026-08-01"  # nothing loaded yet: every partition
    assert plan["api_calls"]["write"] == 0
    companies = plan["objects"]["companies"]
    assert companies["target"] == "salesforce Account"
    assert companies["counts"]["create"] > 0
    assert len(companies["writes"]) == companies["counts"]["create"]
    first = companies["writes"][0]
    assert first["action"] == "create" and first["target_id"] is None
    assert first["fields"]["Name"] and first["fields"]["Concord_Id__c"] == first["golden_id"]

    # no trace in the project's Dagster instance: no run, no stored step outputs
    with dg.DagsterInstance.get() as project:
        assert project.get_runs() == []
    assert not (e2e.home / "dagster_home" / "storage" / "concord").exists()


@pytest.mark.slow
def test_after_a_real_run_the_plan_is_empty(
        e2e: E2E, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    from integration_dags.run import run_sync

    dagster = request.getfixturevalue("instance")
    ok, _ = run_sync(SYNC, instance=dagster, full=True)
    assert not ok  # stopped at the duplicate check
    resolve_open_clusters(os.environ["CONCORD_LEDGER_URL"])
    ok, summary = run_sync(SYNC, instance=dagster, full=True)
    assert ok and summary["created"] > 0
    before = write_calls(e2e.control)

    hourly = plan_json(capsys)  # the range the next `concord sync` takes: the last days
    full = plan_json(capsys, "--full")  # every partition, as the load wrote them

    assert write_calls(e2e.control) == before
    for plan in (hourly, full):
        assert plan["ok"] and set(plan["objects"]) == {"companies", "contacts"}
        for name, obj in plan["objects"].items():
            assert obj["counts"]["create"] == obj["counts"]["update"] == 0, name
            assert obj["writes"] == []
    assert sum(o["counts"]["unchanged"] for o in full["objects"].values()) == \
        summary["created"] + summary["updated"]


@pytest.mark.slow
def test_a_stewards_decisions_unblock_the_plan_and_are_honoured(
        e2e: E2E, capsys: pytest.CaptureFixture[str]) -> None:
    """The plan stops at the duplicate check until a steward decides, and then merges into
    the member the steward kept, not the earliest one an `auto` rule would keep."""
    before = write_calls(e2e.control)

    assert main(["plan", SYNC, "--json", "--limit", "0"]) == 1
    blocked = json.loads(capsys.readouterr().out)
    assert blocked["ok"] is False
    assert any("companies_deduped: blocking check no_unresolved_duplicates failed" in b
               for b in blocked["blocked"])
    assert "companies" not in blocked["objects"]

    assert main(["duplicates", "list", "--sync", SYNC, "--json"]) == 0
    clusters = json.loads(capsys.readouterr().out)["clusters"]
    assert clusters and all(c["status"] == "open" for c in clusters)
    kept, merged = set(), set()
    for c in clusters:
        keys = [m["record_key"] for m in c["members"]]
        assert c["tiers"] and all(p["reasons"] for p in c["pairs"])  # the steward sees why
        if "vat_id" in c["tiers"]:
            assert any(m["fields"]["vat_id"] for m in c["members"])
        if c["entity_type"] != "company":
            continue
        kept.add(keys[-1])
        merged.update(keys[:-1])
        assert main(["duplicates", "resolve", c["cluster_id"], "--keep", keys[-1], "--by", "qa"]) == 0
    capsys.readouterr()
    assert kept
    resolve_open_clusters(os.environ["CONCORD_LEDGER_URL"])  # the contacts: keep the earliest

    assert main(["plan", SYNC, "--json", "--limit", "0"]) == 0
    plan = json.loads(capsys.readouterr().out)
    sources = {w["source_key"] for w in plan["objects"]["companies"]["writes"]}
    assert kept <= sources
    assert not merged & sources
    assert write_calls(e2e.control) == before


def test_the_dry_run_never_selects_apply_or_reconcile() -> None:
    from integration_dags.definitions import SYNCS, defs
    from integration_dags.dry_run import plan_selection

    for name, module in SYNCS.items():
        keys = plan_selection(module).resolve(defs.resolve_asset_graph())
        steps = {k.path[-1].rsplit("_", 1)[-1] for k in keys}
        assert "applied" not in steps and "reconciled" not in steps, name
        assert {dg.AssetKey([name, f"{obj}_plan"]) for obj in module.SPEC.objects} <= keys


@pytest.mark.parametrize(("args", "message"), [
    ([SYNC, "--partition-range", "2020-01-01..2026-08-02"], "'2020-01-01' is not a partition"),
    ([SYNC, "--partition-range", "2026-08-05..2026-08-02"], "ends before it starts"),
    (["no_such_sync"], "unknown sync: no_such_sync; known: crm_accounts"),
])
def test_bad_input_exits_2_before_anything_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: list[str], message: str) -> None:
    for var, value in {"CONCORD_HOME": tmp_path, "DAGSTER_HOME": tmp_path / "dh",
                       "CONCORD_PLATFORM_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
                       "CONCORD_LEDGER_URL": f"sqlite:///{tmp_path / 'l.sqlite'}"}.items():
        monkeypatch.setenv(var, str(value))
    assert main(["plan", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "var").exists()  # no platform generated, no sandbox started


def test_the_printed_plan_names_each_write_and_why_a_run_would_stop() -> None:
    from concord.plan import PlannedWrite
    from integration_dags.dry_run import DryRun, ObjectPlan, format_plan

    writes = [PlannedWrite(f"g{i}", str(i), "update", {"Name": f"Firma {i}", "Phone": None},
                           "h", f"001{i}", ("owner_to_house_account",)) for i in range(3)]
    run = DryRun(SYNC, ("2026-08-01", "2026-08-02"), api_calls={"read": 2, "write": 0})
    run.objects["companies"] = ObjectPlan(
        "companies", "salesforce Account", {"create": 0, "update": 3, "unchanged": 5, "skipped": 1},
        writes, [("9", "AccountId: companies 4 has no salesforce record yet")])
    run.blocked.append("crm_accounts/contacts_deduped: blocking check no_unresolved_duplicates failed")
    text = format_plan(run, limit=2)
    assert text.splitlines()[0] == "crm_accounts: dry run over 2026-08-01..2026-08-02 (nothing was written)"
    assert "companies -> salesforce Account: 0 create, 3 update, 5 unchanged, 1 skipped" in text
    assert "  update  source 0  golden g0  target 0010  [owner_to_house_account]" in text
    assert "Name='Firma 1', Phone=None" in text
    assert "Firma 2" not in text and "… and 1 more (--limit 0 shows all)" in text
    assert "skipped 1, e.g. source 9: AccountId: companies 4 has no salesforce record yet" in text
    assert "BLOCKED: crm_accounts/contacts_deduped: blocking check no_unresolved_duplicates" in text
    assert text.splitlines()[-1] == "API calls: 2 reads, 0 writes, 0 bulk jobs"
