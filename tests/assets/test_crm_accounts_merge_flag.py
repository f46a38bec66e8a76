"""A steward merges two companies that were already synced apart: the loser's own Account
is flagged with the survivor's Concord id (Salesforce's REST API cannot merge), once."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from concord.dedupe import record_order
from concord.identity import golden_id_for
from concord.ledger import Ledger
from sandbox.harness import SandboxInfo
from tests.assets.conftest import salesforce_client
from tests.assets.test_crm_accounts_sync import run

ADDS_UP = ("created", "updated", "deleted", "unchanged", "quarantined", "skipped")


def _adds_up(summary: dict) -> bool:
    return summary["extracted"] + summary["changed_in_target"] == sum(summary[k] for k in ADDS_UP)


def test_a_later_merge_flags_the_losers_own_account(
        fresh_org, sync_env: Path, e2e_salesforce: SandboxInfo,
        instance: dg.DagsterInstance) -> None:
    url = os.environ["CONCORD_LEDGER_URL"]
    ok, _ = run(instance)
    assert not ok  # stops at the duplicate check
    with Ledger.open(url) as led:
        clusters = led.clusters(status="open")
        for c in clusters:  # first the steward keeps every pair apart...
            led.decide(c.cluster_id, separate=True, decided_by="steward")
    ok, loaded = run(instance)
    assert ok, loaded

    company = next(c for c in clusters if c.members[0].obj == "companies")
    kept, loser = sorted((m.record_key for m in company.members), key=record_order)[:2]
    with Ledger.open(url) as led:  # ...then decides they are one company after all
        led.decide(company.cluster_id, keep=kept, decided_by="steward")
    ok, merged = run(instance)
    assert ok, merged
    assert _adds_up(merged), merged

    org = salesforce_client(e2e_salesforce)
    survivor = golden_id_for("platform", "companies", kept)
    [flagged] = org.query(
        "SELECT Id, Concord_Duplicate_Of__c FROM Account WHERE Concord_Id__c = "
        f"'{golden_id_for('platform', 'companies', loser)}'")["records"]
    assert flagged["Concord_Duplicate_Of__c"] == survivor
    [alive] = org.query(
        f"SELECT Id, Concord_Duplicate_Of__c FROM Account WHERE Concord_Id__c = '{survivor}'"
    )["records"]
    assert alive["Concord_Duplicate_Of__c"] is None

    ok, again = run(instance)
    assert ok and again["api_calls"]["write"] == 0, again  # flagged once
    assert _adds_up(again), again
