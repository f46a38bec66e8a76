"""The CRM accounts sync end to end through Dagster, simple-salesforce and the sandboxes."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from simple_salesforce import Salesforce

from concord.ledger import Ledger
from sandbox.harness import SandboxInfo
from tests.assets.conftest import disk_instance, salesforce_as_person, salesforce_client, wipe_org
from tests.assets.stewarding import resolve_open_clusters


def run(instance: dg.DagsterInstance) -> tuple[bool, dict]:
    """Every partition, as the initial load does (a repeat is a full re-run, not incremental)."""
    from integration_dags.run import run_sync

    return run_sync("crm_accounts", instance=instance, full=True)


def initial_load(instance: dg.DagsterInstance, platform: Path | None = None) -> tuple[bool, dict]:
    """The steward-first initial load: the first run stops at the duplicate check (every
    tier is `review`), a steward decides each cluster (by the generator's ground truth
    when given the platform, else keeping the earliest record), the re-run loads."""
    import os

    ok, first = run(instance)
    assert not ok and first["api_calls"]["write"] == 0, "the first run must stop at the duplicates"
    made = resolve_open_clusters(os.environ["CONCORD_LEDGER_URL"], platform)
    assert made["keep"] > 0
    return run(instance)


def accounts(sf: Salesforce) -> list[dict]:
    return sf.query_all("SELECT Id, Name, VAT_Id__c, Concord_Id__c, OwnerId FROM Account")["records"]


def contacts(sf: Salesforce) -> list[dict]:
    return sf.query_all("SELECT Id, Email, AccountId, Concord_Id__c FROM Contact")["records"]


@dataclass(frozen=True)
class Loaded:
    """The initial load and an unchanged re-run, once for the tests that only look."""

    first: dict
    second: dict
    accounts: list[dict]
    contacts: list[dict]
    platform: Path
    ledger_url: str


@pytest.fixture(scope="module")
def loaded(platform_template: Path, e2e_salesforce: SandboxInfo,
           tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    home = tmp_path_factory.mktemp("initial-load")
    platform = home / "platform.sqlite"
    platform.write_bytes(platform_template.read_bytes())
    ledger_url = f"sqlite:///{home / 'ledger.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONCORD_PLATFORM_URL", f"sqlite:///{platform}")
        mp.setenv("CONCORD_LEDGER_URL", ledger_url)
        mp.setenv("DAGSTER_HOME", str(home / "dagster_home"))
        wipe_org(e2e_salesforce)
        with disk_instance(mp) as instance:
            ok, first = initial_load(instance, platform)
            assert ok, first
            org = salesforce_client(e2e_salesforce)
            snapshot = (accounts(org), contacts(org))
            ok, second = run(instance)
            assert ok, second
    return Loaded(first, second, *snapshot, platform, ledger_url)


def test_initial_load_moves_companies_and_the_counts_add_up(loaded: Loaded) -> None:
    s = loaded.first
    assert s["extracted"] > 0
    assert s["created"] > 0
    assert s["extracted"] == sum(s[k] for k in ("created", "updated", "deleted", "unchanged",
                                                 "quarantined", "skipped"))
    assert len(loaded.accounts) + len(loaded.contacts) == s["created"]
    golden = [r["Concord_Id__c"] for r in loaded.accounts]
    assert len(set(golden)) == len(golden)  # one Account per golden id
    vats = [r["VAT_Id__c"] for r in loaded.accounts if r["VAT_Id__c"]]
    assert len(vats) == len(set(vats)), "same VAT id written twice: dedupe failed"
    assert s["quarantined"] > 0  # the platform's dirt is quarantined, not written
    assert s["api_calls"]["write"] >= 1


def test_second_run_writes_nothing(loaded: Loaded) -> None:
    first, again = loaded.first, loaded.second
    assert again["api_calls"]["write"] == 0
    assert again["api_calls"]["bulk_jobs"] == 0
    assert again["created"] == again["updated"] == 0
    assert again["unchanged"] == first["created"] + first["updated"]


def test_contacts_hang_off_their_companys_account_once_per_email(loaded: Loaded) -> None:
    people = loaded.contacts
    assert people
    account_ids = {r["Id"] for r in loaded.accounts}
    assert all(p["AccountId"] in account_ids for p in people)
    emails = [p["Email"].lower() for p in people if p["Email"]]
    assert len(emails) == len(set(emails)), "the same person was written twice"
    # each contact sits on the Account of its own platform company (or of the company that
    # company was merged into as a duplicate)
    from concord.identity import golden_id_for
    con = sqlite3.connect(loaded.platform)
    company_of = dict(con.execute("SELECT id, company_id FROM contacts"))
    leader = {golden_id_for("platform", "contacts", str(cid)): cid for cid in company_of}
    led = Ledger(loaded.ledger_url)
    company_golden = led.golden_ids("platform", "companies", [str(c) for c in set(company_of.values())])
    account_golden = {r["Id"]: r["Concord_Id__c"] for r in loaded.accounts}
    for p in people:
        company = str(company_of[leader[p["Concord_Id__c"]]])
        assert company_golden[company] == account_golden[p["AccountId"]]


def test_existing_salesforce_account_is_linked_not_duplicated(
    fresh_org, instance, sf, sync_env: Path
) -> None:
    con = sqlite3.connect(sync_env / "platform.sqlite")
    name, vat = con.execute(
        "SELECT name, vat_id FROM companies WHERE vat_id LIKE 'DE%' AND deleted_at IS NULL "
        "AND length(name) < 100 ORDER BY id LIMIT 1").fetchone()
    from concord.normalise.vat import normalise_vat

    vat = normalise_vat(vat, country="DE")
    existing = sf.Account.create({"Name": f"{name} (entered by sales)", "VAT_Id__c": vat})
    ok, s = initial_load(instance)
    assert ok, s
    matching = [r for r in accounts(sf) if r["VAT_Id__c"] == vat]
    assert [r["Id"] for r in matching] == [existing["id"]]
    assert matching[0]["Concord_Id__c"]  # adopted: now carries the golden id


def test_inactive_owners_go_to_the_house_account(loaded: Loaded) -> None:
    from sandbox.reference import HOUSE_ACCOUNT_OWNER, SALESFORCE_USERS

    inactive = {u.id for u in SALESFORCE_USERS if not u.is_active}
    owners = {r["OwnerId"] for r in loaded.accounts}
    assert not owners & inactive
    assert HOUSE_ACCOUNT_OWNER.id in owners


def test_hourly_schedule_runs_yesterday_and_today_as_one_range() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from integration_dags.definitions import defs

    schedule = defs.resolve_schedule_def("crm_accounts_hourly")
    t = datetime(2026, 10, 5, 9, 7, tzinfo=ZoneInfo("Europe/Berlin"))
    [request] = schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=t)).run_requests
    assert request.partition_key_range == dg.PartitionKeyRange("2026-10-04", "2026-10-05")


def test_definitions_load() -> None:
    from integration_dags.definitions import defs

    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("crm_accounts").partitions_def is not None


def test_daily_limit_stops_cleanly_and_a_rerun_finishes_without_duplicates(
    fresh_org, instance, sf, e2e_salesforce
) -> None:
    import os

    from sandbox.harness import SandboxControl

    control = SandboxControl(e2e_salesforce)
    ok, _ = run(instance)  # stops at the duplicate check; a steward decides, then the load
    assert not ok
    resolve_open_clusters(os.environ["CONCORD_LEDGER_URL"])
    reserve = 500  # SalesforceResource.request_reserve: calls kept back for people
    # Left before the run: the target read, the user lookup and ONE write batch.
    control.limits(max=100_000, used=100_000 - reserve - 3)
    try:
        ok, _ = run(instance)
        assert not ok
        assert len(accounts(sf)) == 200  # the first collection, then a clean stop
        assert contacts(sf) == []
        with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
            states = Counter(e.state for e in led.outbox(system="salesforce"))
        assert states["confirmed"] == 200
        assert set(states) == {"confirmed", "pending"}  # refused before it went out
    finally:
        control.limits(max=10_000_000, used=0)
    ok, finished = run(instance)
    assert ok, finished
    rows = accounts(sf) + contacts(sf)
    assert len({r["Concord_Id__c"] for r in rows}) == len(rows)
    assert finished["created"] + 200 == len(rows)  # nothing written twice


def _copy_synced_companies(platform: Path, prefix: str, n: int) -> list[tuple[int, int]]:
    """n new companies in the platform, each a copy of a synced one (it has a sales rep and
    contacts) named f"{prefix} {its id}": (new id, copied id) pairs."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(platform) as con:
        copied = [i for (i,) in con.execute(
            "SELECT DISTINCT company_id FROM contacts WHERE deleted_at IS NULL AND company_id IN "
            "(SELECT id FROM companies WHERE deleted_at IS NULL AND sales_rep_id IS NOT NULL) "
            "ORDER BY company_id DESC LIMIT ?", (n,))]
        made = []
        for i in copied:
            con.execute(
                "INSERT INTO companies (name, street, postal_code, city, country, phone, email, "
                "website, industry, customer_status, sales_rep_id, currency, credit_limit, "
                "created_at, updated_at) SELECT ? || ' ' || id, street, postal_code, city, "
                "country, phone, 'probe' || id || '@absturz.example', NULL, industry, "
                "customer_status, sales_rep_id, currency, credit_limit, ?, ? FROM companies "
                "WHERE id = ?", (prefix, now, now, i))
            made.append((con.execute("SELECT max(id) FROM companies").fetchone()[0], i))
    assert len(made) == n
    return made


def test_bookkeeping_cut_short_after_a_write_is_completed_by_the_next_run(
    fresh_org, instance, sf, sync_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the initial load a new company is created in Salesforce, and the process dies
    before the ledger links the Account to it. The next run sends that write again (the
    upsert finds the Account by our external id) and links it, so the company's contact
    is written under it: no record is left unlinked for good, none is created twice."""
    import os
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from concord.errors import FatalError
    from concord.ledger.xref import XrefStore

    ok, _ = initial_load(instance)
    assert ok
    [(company, synced)] = _copy_synced_companies(sync_env / "platform.sqlite", "Absturz Probe", 1)
    now = datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(sync_env / "platform.sqlite") as con:
        con.execute(
            "INSERT INTO contacts (company_id, first_name, last_name, email, title, created_at, "
            "updated_at) VALUES (?, 'Petra', 'Probe', 'petra.probe@absturz.example', 'CEO', "
            "?, ?)", (company, now, now))
    link = XrefStore.link

    def dies_linking_what_was_written(self: XrefStore, links) -> None:
        links = list(links)
        if any(lk.reason == "written" for lk in links):
            raise FatalError("the process died here")
        link(self, links)

    monkeypatch.setattr(XrefStore, "link", dies_linking_what_was_written)
    ok, _ = run(instance)
    assert not ok
    [probe] = [a for a in accounts(sf) if a["Name"] == f"Absturz Probe {synced}"]
    monkeypatch.setattr(XrefStore, "link", link)
    with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
        [entry] = [e for e in led.outbox(system="salesforce") if e.obj == "Account"
                   and e.record_key == probe["Concord_Id__c"]]
    assert entry.state == "uncertain"  # it went out; its result was never kept

    ok, finished = run(instance)
    assert ok, finished
    assert [a["Id"] for a in accounts(sf) if a["Name"].startswith("Absturz Probe")] == [probe["Id"]]
    written = [c["AccountId"] for c in contacts(sf) if c["Email"] == "petra.probe@absturz.example"]
    assert written == [probe["Id"]], "the contact waits for an Account the ledger never linked"
    with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
        assert led.golden_ids("salesforce", "Account", [probe["Id"]]) == {
            probe["Id"]: probe["Concord_Id__c"]}

def test_a_retried_apply_step_sends_and_counts_each_write_once(
    fresh_org, instance, sf, sync_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New companies go out in collections of 200. The ledger fails while linking the
    second one (a dropped connection, say): that batch's bookkeeping rolls back whole and
    Dagster retries the step. The retry skips the 200 writes the first attempt confirmed
    and sends the rest again, whose upsert finds the Accounts that attempt made. Every
    company has one Account, one log line, and is counted once, as created."""
    import os

    from concord.ledger.xref import XrefStore

    ok, _ = initial_load(instance)
    assert ok
    made = _copy_synced_companies(sync_env / "platform.sqlite", "Wiederholung", 260)
    link = XrefStore.link
    written_links = Counter[str]()

    def drops_once_on_the_second_batch(self: XrefStore, links) -> None:
        links = list(links)
        if any(lk.reason == "written" for lk in links):
            written_links["calls"] += 1
            if written_links["calls"] == 2:
                raise ConnectionError("the ledger's connection dropped")
        link(self, links)

    monkeypatch.setattr(XrefStore, "link", drops_once_on_the_second_batch)
    clients = _clients_made(monkeypatch)
    ok, finished = run(instance)
    assert ok, finished
    assert written_links["calls"] == 3  # batch 1, batch 2 failed, batch 2 again
    # the failed attempt's two calls count too: every call made is in the run's summary
    assert finished["api_calls"] == _calls_of(clients) and finished["api_calls"]["write"] >= 3

    new = [a for a in accounts(sf) if a["Name"].startswith("Wiederholung ")]
    assert len(new) == len({a["Name"] for a in new}) > 200  # (a copy may be quarantined)
    assert finished["created"] == len(new) and finished["updated"] == 0
    with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
        logged = Counter(r.record_key for r in led.sync_log(obj="Account", outcome="ok")
                         if r.action == "create")
        entries = [e for e in led.outbox(system="salesforce") if e.obj == "Account"
                   and e.target_id in {a["Id"] for a in new}]
    assert sorted(n for company, _ in made if (n := logged[str(company)])) == [1] * len(new)
    assert Counter(e.attempts for e in entries) == {1: 200, 2: len(new) - 200}
    assert {e.state for e in entries} == {"confirmed"}


def _clients_made(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every Salesforce client the run's steps make from here on (one per step attempt)."""
    from resources.salesforce.resource import SalesforceResource

    made: list = []
    get_client = SalesforceResource.get_client

    def recording(self: SalesforceResource):
        made.append(client := get_client(self))
        return client

    monkeypatch.setattr(SalesforceResource, "get_client", recording)
    return made


def _calls_of(clients: list) -> dict[str, int]:
    """The calls those clients sent, by the kinds a run's summary reports."""
    return {kind: sum(c.calls.as_dict().get(kind, 0) for c in clients)
            for kind in ("read", "write", "bulk_jobs")}


def _check_results(instance: dg.DagsterInstance) -> dict[str, bool]:
    """The newest run's asset checks: 'asset/check' -> passed."""
    [newest] = instance.get_runs(limit=1)
    results = {}
    for entry in instance.all_logs(newest.run_id,
                                   of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        assert entry.dagster_event is not None
        evaluation = entry.dagster_event.event_specific_data
        results[f"{evaluation.asset_key.path[-1]}/{evaluation.check_name}"] = evaluation.passed
    return results


def _bulk_load_decided(instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    """An initial load whose creates go by Bulk API (more than 50 a job here), stopped at
    the duplicate check and decided. Reconcile reads the load back by modification time
    from the apply's start, as at full scale (the margin for clock skew less than a
    retry's delay)."""
    import os
    from datetime import timedelta

    import assets.steps.reconcile as reconcile_step
    from resources.salesforce.client import SalesforceClient

    monkeypatch.setattr(SalesforceClient, "upserts_by_bulk", lambda self, n: n > 50)
    monkeypatch.setattr(reconcile_step, "READ_BACK_BY_KEY", 0)
    monkeypatch.setattr(reconcile_step, "READ_BACK_MARGIN", timedelta(seconds=1))
    ok, _ = run(instance)
    assert not ok  # the duplicate check
    resolve_open_clusters(os.environ["CONCORD_LEDGER_URL"])


def _check_each_write_sent_logged_and_counted_once(
    instance: dg.DagsterInstance, sf: Salesforce, finished: dict
) -> tuple[list, list]:
    """One ingest job per object in the org, one Salesforce record per entity, one log
    line per created record matching the counts, both job entries confirmed at their first
    attempt, and every asset check of the newest run passed (the first attempt's writes
    read back). Returns the create log lines and the outbox entries of single records."""
    import os

    ingest = sf.restful("jobs/ingest")["records"]  # every ingest job the org received
    assert sorted(j["object"] for j in ingest) == ["Account", "Contact"]  # none sent again
    rows = accounts(sf) + contacts(sf)
    assert len({r["Concord_Id__c"] for r in rows}) == len(rows)
    with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
        log = [r for r in led.sync_log(outcome="ok") if r.action == "create"]
        jobs = [e for e in led.outbox(system="salesforce") if e.operation == "bulk_upsert"]
        own = [e for e in led.outbox(system="salesforce") if e.operation != "bulk_upsert"]
    assert len({(r.obj, r.record_key) for r in log}) == len(log) == finished["created"] > 100
    assert sorted((e.obj, e.state, e.attempts) for e in jobs) == [
        ("Account", "confirmed", 1), ("Contact", "confirmed", 1)]
    checks = _check_results(instance)
    assert checks["companies_reconciled/target_agrees"], "the first attempt's writes not read back"
    assert all(checks.values()), checks
    return log, own


def test_a_retried_apply_step_after_its_bulk_job_sends_and_counts_each_write_once(
    fresh_org, instance, sf, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The initial load's creates go out as one Bulk API job per object, which the outbox
    keeps as one entry. The step then fails after the job's bookkeeping (in the two-way
    write-back) and Dagster retries it: the retry finds the job done in this run, counts
    its records from the run's sync log and sends no second job."""
    import assets.steps.apply as apply_step

    _bulk_load_decided(instance, monkeypatch)
    two_way = apply_step.apply_two_way
    failed = Counter[str]()

    def fails_once(*args, **kwargs):
        if not failed:
            failed["once"] += 1
            raise ConnectionError("the platform database went away")
        return two_way(*args, **kwargs)

    monkeypatch.setattr(apply_step, "apply_two_way", fails_once)
    clients = _clients_made(monkeypatch)
    ok, finished = run(instance)
    assert ok, finished
    assert failed["once"] == 1
    assert finished["api_calls"] == _calls_of(clients)  # the failed attempt's job included
    _, own = _check_each_write_sent_logged_and_counted_once(instance, sf, finished)
    assert len(own) == finished["updated"]  # records adopted by key: updates, entries of their own


def _crm_accounts_job() -> dg.JobDefinition:
    """The job as a run worker loads it, for re-executing a run as the UI does."""
    from integration_dags.definitions import defs

    return defs.resolve_job_def("crm_accounts")


def test_re_executing_a_failed_load_from_failure_sends_and_counts_each_write_once(
    fresh_org, instance, sf, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load's Accounts apply fails for good after its Bulk job's bookkeeping, and a user
    re-executes the run from failure in the UI. The new run applies the plan its parent
    made: it finds the parent's job done, counts its records as the parent logged them,
    and sends no second job; the Contacts go out once."""
    import os

    import assets.steps.apply as apply_step
    from concord.errors import FatalError
    from integration_dags.summary import summarise_run

    _bulk_load_decided(instance, monkeypatch)
    two_way = apply_step.apply_two_way
    def refused(*args, **kwargs):
        raise FatalError("the platform database refused the write-back", system="platform")

    monkeypatch.setattr(apply_step, "apply_two_way", refused)
    ok, _ = run(instance)
    assert not ok
    [parent] = instance.get_runs(limit=1)
    with Ledger.open(os.environ["CONCORD_LEDGER_URL"]) as led:
        [job] = [e for e in led.outbox(system="salesforce") if e.operation == "bulk_upsert"]
    assert (job.obj, job.state, job.run_id) == ("Account", "confirmed", parent.run_id)

    monkeypatch.setattr(apply_step, "apply_two_way", two_way)
    result = dg.execute_job(
        dg.reconstructable(_crm_accounts_job), instance=instance,
        run_config={"execution": {"config": {"in_process": {}}}},
        tags={k: v for k, v in parent.tags.items() if not k.startswith("dagster/")
              or k.startswith("dagster/asset_partition_range")},
        reexecution_options=dg.ReexecutionOptions.from_failure(parent.run_id, instance))
    assert result.success
    [child] = instance.get_runs(limit=1)
    assert child.parent_run_id == parent.run_id
    finished = summarise_run(result.all_events)["crm_accounts"]
    log, _ = _check_each_write_sent_logged_and_counted_once(instance, sf, finished)
    assert {r.run_id for r in log if r.obj == "Account"} == {parent.run_id}


def test_edits_on_either_side_wake_the_sensor_once(sync_env: Path, e2e_salesforce) -> None:
    """The platform's edit history and Salesforce's SystemModstamp, each with a cursor;
    Concord's own Salesforce writes (its integration user) do not wake it."""
    import os

    from integration_dags.definitions import defs
    from resources.platform import PlatformDatabase
    from resources.salesforce.resource import SalesforceResource

    sensor = defs.resolve_sensor_def("crm_accounts_changes")
    resources = {
        "platform": PlatformDatabase(url=os.environ["CONCORD_PLATFORM_URL"]),
        "salesforce": SalesforceResource(
            instance_url=e2e_salesforce.base_url, token_url=e2e_salesforce.token_url,
            client_id=e2e_salesforce.credentials["client_id"],
            client_secret=e2e_salesforce.credentials["client_secret"],
            ca_bundle=e2e_salesforce.ca_bundle)}
    concord_sf = salesforce_client(e2e_salesforce)  # as Concord's integration user
    person_sf = salesforce_as_person(e2e_salesforce)  # as a person in the org
    account = concord_sf.Account.create({"Name": "Sensor GmbH"})["id"]

    def tick(cursor: str | None) -> tuple[list[dg.RunRequest], str | None]:
        with dg.build_sensor_context(instance=inst, cursor=cursor, resources=resources) as ctx:
            requests = sensor.evaluate_tick(ctx).run_requests
            return requests, ctx.cursor

    with dg.instance_for_test() as inst:
        [first], cursor = tick(None)  # the platform's history; Salesforce: cursor set only
        assert first.partition_key_range is not None
        assert tick(cursor)[0] == []

        concord_sf.Account.update(account, {"Phone": "+49 30 1"})  # Concord's own write
        requests, cursor = tick(cursor)
        assert requests == []

        person_sf.Account.update(account, {"Phone": "+49 30 2"})  # a person edits
        [by_person], cursor = tick(cursor)
        assert by_person.tags["concord/changed"] == "salesforce:Account"
        assert tick(cursor)[0] == []

        con = sqlite3.connect(sync_env / "platform.sqlite")
        con.execute("INSERT INTO edit_history (table_name, record_id, field, old_value, new_value, "
                    "changed_at, changed_by) VALUES ('companies', 1, 'city', 'A', 'B', "
                    "'2026-11-23 10:00:00', 'test')")
        con.commit()
        [again], _ = tick(cursor)
        assert again.tags["concord/changed"] == "platform"
        assert len({first.run_key, by_person.run_key, again.run_key}) == 3
    concord_sf.Account.delete(account)


def test_one_account_per_real_company_against_the_generators_ground_truth(loaded: Loaded) -> None:
    from collections import defaultdict

    con = sqlite3.connect(loaded.platform)
    entity_of = dict(con.execute(
        "SELECT t.company_id, t.entity_id FROM truth_companies t JOIN companies c ON c.id = t.company_id "
        "WHERE c.deleted_at IS NULL"))
    led = Ledger(loaded.ledger_url)
    golden_of = led.golden_ids("platform", "companies", [str(k) for k in entity_of])
    account_of = {r["Concord_Id__c"]: r["Id"] for r in loaded.accounts}
    accounts_per_entity: dict[str, set[str]] = defaultdict(set)
    for company, entity in entity_of.items():
        golden = golden_of.get(str(company))
        if golden in account_of:
            accounts_per_entity[entity].add(account_of[golden])
    split = {e: ids for e, ids in accounts_per_entity.items() if len(ids) > 1}
    assert not split, f"real companies with several Accounts: {split}"
    assert len(accounts_per_entity) == len(account_of)  # and no Account without a company


def test_concord_sync_uses_configured_systems_instead_of_sandboxes(
    fresh_org, sync_env: Path, sf, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from integration_dags.cli import run_syncs

    home = sync_env / "home"
    monkeypatch.setenv("CONCORD_HOME", str(home))
    # the initial load stops at the duplicate check (exit 1) after reading everything
    assert run_syncs([], as_json=True, scale=100, seed=1) == 1
    assert json.loads(capsys.readouterr().out)["syncs"]["crm_accounts"]["extracted"] > 0
    assert not (home / "var" / "platform.sqlite").exists()  # the configured platform was used
    assert not (home / "var" / "sandbox" / "salesforce").exists()  # the configured org, no sandbox


def test_deletes_follow_the_spec_on_both_sides(fresh_org, instance, sf, sync_env: Path,
                                              e2e_salesforce) -> None:
    ok, _ = initial_load(instance)
    assert ok
    con = sqlite3.connect(sync_env / "platform.sqlite")
    live = {r["Concord_Id__c"]: r for r in accounts(sf)}
    from concord.identity import golden_id_for

    company = next(cid for (cid,) in con.execute(
        "SELECT id FROM companies WHERE deleted_at IS NULL ORDER BY id")
        if golden_id_for("platform", "companies", str(cid)) in live)
    person = next(pid for (pid,) in con.execute(
        "SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id")
        if any(p["Concord_Id__c"] == golden_id_for("platform", "contacts", str(pid))
               for p in contacts(sf)))
    stamp = "2026-10-30 12:00:00"
    con.execute("UPDATE companies SET deleted_at = ?, updated_at = ? WHERE id = ?", (stamp, stamp, company))
    con.execute("UPDATE contacts SET deleted_at = ?, updated_at = ? WHERE id = ?", (stamp, stamp, person))
    con.commit()
    # and someone (a person, not Concord's integration user) deletes another synced Account
    other = next(r for g, r in live.items() if g != golden_id_for("platform", "companies", str(company)))
    salesforce_as_person(e2e_salesforce).Account.delete(other["Id"])

    ok, s = run(instance)
    assert ok, s
    flagged = sf.query(f"SELECT Customer_Status__c FROM Account WHERE Concord_Id__c = "
                       f"'{golden_id_for('platform', 'companies', str(company))}'")["records"]
    assert flagged[0]["Customer_Status__c"] == "Former Customer"  # policy: flag
    gone = golden_id_for("platform", "contacts", str(person))
    assert all(p["Concord_Id__c"] != gone for p in contacts(sf))  # policy: delete
    assert s["deleted"] >= 1
    # the Account deleted in Salesforce is reported, not re-created
    assert all(r["Concord_Id__c"] != other["Concord_Id__c"] for r in accounts(sf))
    import os

    log = Ledger(os.environ["CONCORD_LEDGER_URL"]).sync_log(outcome="skipped")
    assert any("not re-created" in (r.error or "") for r in log)
