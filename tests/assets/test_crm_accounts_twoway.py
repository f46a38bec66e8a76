"""Both directions through Dagster: a Salesforce-led field edited in Salesforce reaches the
platform, a platform-led field edited in the platform reaches Salesforce, the same field
edited on both sides is a recorded conflict, and Concord's own writes are not echoed."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from concord.identity import golden_id_for
from concord.ledger import Ledger
from integration_dags.run import run_sync
from sandbox.harness import SandboxInfo
from tests.assets.conftest import salesforce_as_person, salesforce_client
from tests.assets.test_crm_accounts_sync import initial_load, run


def _edit_platform(platform: Path, company: str, **values: str) -> None:
    """An edit as the platform makes it: the row, its updated_at, its edit history."""
    stamp = datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
    con = sqlite3.connect(platform)
    with con:
        for column, value in values.items():
            con.execute(f"UPDATE companies SET {column} = ?, updated_at = ? WHERE id = ?",
                        (value, stamp, company))
            con.execute("INSERT INTO edit_history (table_name, record_id, field, old_value, "
                        "new_value, changed_at, changed_by) VALUES ('companies', ?, ?, NULL, ?, "
                        "?, 'office')", (company, column, value, stamp))
    con.close()


def _company(platform: Path, company: str) -> sqlite3.Row:
    con = sqlite3.connect(platform)
    con.row_factory = sqlite3.Row
    try:
        return con.execute("SELECT * FROM companies WHERE id = ?", (company,)).fetchone()
    finally:
        con.close()


def test_each_side_leads_its_fields_and_a_double_edit_is_a_recorded_conflict(
        fresh_org, sync_env: Path, e2e_salesforce: SandboxInfo,
        instance: dg.DagsterInstance) -> None:
    platform = sync_env / "platform.sqlite"
    ok, loaded = initial_load(instance, platform)
    assert ok, loaded
    org = salesforce_client(e2e_salesforce)
    person = salesforce_as_person(e2e_salesforce)
    by_golden = {r["Concord_Id__c"]: r for r in org.query_all(
        "SELECT Id, Concord_Id__c, Phone, Website, BillingCity, BillingCountry FROM Account "
        "WHERE BillingCountry = 'DE'")["records"]}
    con = sqlite3.connect(platform)
    company = next(str(cid) for (cid,) in con.execute(
        "SELECT id FROM companies WHERE deleted_at IS NULL ORDER BY id")
        if golden_id_for("platform", "companies", str(cid)) in by_golden)
    con.close()
    golden = golden_id_for("platform", "companies", company)
    account = by_golden[golden]["Id"]

    # Salesforce leads Phone, the platform leads BillingCity; both edit Website.
    person.Account.update(account, {"Phone": "+49 30 9876543",
                                    "Website": "https://sales.example"})
    _edit_platform(platform, company, city="Neustadt", website="https://office.example")

    ok, second = run(instance)
    assert ok, second
    row = _company(platform, company)
    after = org.Account.get(account)
    assert row["phone"] == "+49309876543"           # Salesforce's edit, written back (E.164)
    assert after["BillingCity"] == "Neustadt"       # the platform's edit, in Salesforce
    assert row["website"] == "https://sales.example"  # leader (Salesforce) wins the conflict
    assert after["Website"] == "https://sales.example"
    assert second["written_back"] >= 1 and second["conflicts"] >= 1
    with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
        [conflict] = [c for c in led.list_conflicts(status=None)
                      if c.golden_id == golden and c.field == "Website"]
    assert (conflict.kind, conflict.resolution) == ("conflict", "salesforce")
    assert conflict.platform == "https://office.example" and conflict.resolved_by == "rule:leader_wins"

    # No echo: Concord's write-backs do not move the platform's change feed for the sensor,
    # and Concord's own writes on both sides are not changes next time.
    from resources.platform import PlatformDatabase

    con = sqlite3.connect(platform)
    ours, office = con.execute(
        "SELECT MAX(CASE WHEN changed_by = 'concord' THEN id END), "
        "MAX(CASE WHEN changed_by = 'office' THEN id END) FROM edit_history").fetchone()
    con.close()
    assert ours > office
    feed = PlatformDatabase(url=os.environ["CONCORD_PLATFORM_URL"])
    assert feed.latest_change_id(["companies", "contacts"]) == office
    ok, third = run(instance)
    assert ok, third
    assert third["api_calls"]["write"] == 0 and third["written_back"] == 0, third
    assert third["conflicts"] == 0 and third["changed_in_target"] == 0

    # An hourly run (yesterday and today) also takes an edit of a record whose platform
    # row it does not extract: changed only in Salesforce.
    other = next(g for g in by_golden if g != golden)
    person.Account.update(by_golden[other]["Id"], {"Website": "https://elsewhere.example"})
    ok, hourly = run_sync("crm_accounts", instance=instance)
    assert ok, hourly
    assert hourly["changed_in_target"] == 1 and hourly["written_back"] == 1, hourly
    assert hourly["api_calls"]["write"] == 0
    con = sqlite3.connect(platform)
    [(website,)] = con.execute("SELECT website FROM companies WHERE id = ?", (next(
        k for (k,) in con.execute("SELECT id FROM companies")
        if golden_id_for("platform", "companies", str(k)) == other),))
    con.close()
    assert website == "https://elsewhere.example"
