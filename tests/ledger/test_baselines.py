"""Field baselines and conflicts in the ledger, on SQLite and PostgreSQL.

Revision 0003_field_baselines adds them; it upgrades from 0002 and downgrades back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from concord.ledger import Ledger
from concord.ledger import baselines as bl
from concord.ledger.baselines import UnknownConflict
from concord.ledger.migrate import VERSION_TABLE, alembic_config
from concord.ledger.schema import NAMING_CONVENTION, TABLES_0001, TABLES_0002
from concord.ledger.schema import metadata as core_metadata
from concord.ownership import FieldConflict, RecordSides, diff_record, parse_ownership
from tests.conftest import PgServer


def _migrate(ledger: Ledger, action: str, revision: str) -> None:
    with ledger._write() as conn:
        getattr(command, action)(alembic_config(conn), revision)


def _tables(ledger: Ledger) -> set[str]:
    return set(sa.inspect(ledger.engine).get_table_names())


@pytest.fixture(scope="module")
def pg_baseline_ledger(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
                       ) -> Iterator[Ledger]:
    led = Ledger(pg_server.create_database())
    _migrate(led, "upgrade", "head")
    yield led
    led.close()


@pytest.fixture
def led(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if backend == "sqlite":
        ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
        _migrate(ledger, "upgrade", "head")
        yield ledger
        ledger.close()
    else:
        ledger = request.getfixturevalue("pg_baseline_ledger")
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE field_baselines, field_conflicts RESTART IDENTITY")
        yield ledger


# --- the migration ----------------------------------------------------------------------

def test_the_revision_upgrades_from_0002_and_downgrades_to_it(
        empty_url: sa.URL, tmp_path: Path) -> None:
    with Ledger(empty_url) as ledger:
        ledger.migrate("0002")
        ledger.put_hashes("salesforce", "Account", {"001A": "h1"})
        _migrate(ledger, "upgrade", "head")
        assert ledger.current_revision() == bl.REVISION
        assert _tables(ledger) >= {*TABLES_0001, *TABLES_0002, *bl.TABLES_0003}
        ledger.put_baselines("salesforce", "Account", {"g1": {"Name": "Acme"}})
        assert ledger.get_hashes("salesforce", "Account", ["001A"]) == {"001A": "h1"}

        _migrate(ledger, "downgrade", "0002")
        assert ledger.current_revision() == "0002"
        assert not _tables(ledger) & set(bl.TABLES_0003)
        assert ledger.get_hashes("salesforce", "Account", ["001A"]) == {"001A": "h1"}

        _migrate(ledger, "upgrade", "head")
        assert ledger.get_baselines("salesforce", "Account", ["g1"]) == {}


def test_the_migrated_tables_are_what_the_models_say(empty_url: sa.URL, tmp_path: Path) -> None:
    both = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for table in (*core_metadata.tables.values(), *bl.metadata.tables.values()):
        if table.name not in both.tables:
            table.to_metadata(both)
    with Ledger(empty_url) as ledger:
        _migrate(ledger, "upgrade", "head")
        with ledger.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": VERSION_TABLE})
            assert compare_metadata(ctx, both) == []


# --- baselines --------------------------------------------------------------------------

def test_baselines_round_trip_per_system_object_and_record(led: Ledger) -> None:
    led.put_baselines("salesforce", "Account", {
        "g1": {"Name": "Acme", "AnnualRevenue": Decimal("1250.50"), "Website": None},
        "g2": {"Name": "Beta"},
    })
    led.put_baselines("salesforce", "Contact", {"g1": {"LastName": "Muster"}})
    got = led.get_baselines("salesforce", "Account", ["g1", "g2", "g-unknown"])
    assert got == {"g1": {"Name": "Acme", "AnnualRevenue": "1250.50", "Website": None},
                   "g2": {"Name": "Beta"}}  # Decimal kept exact, as text
    assert led.get_baselines("salesforce", "Contact", ["g1", "g2"]) == {
        "g1": {"LastName": "Muster"}}


def test_a_baseline_is_replaced_whole(led: Ledger) -> None:
    led.put_baselines("salesforce", "Account", {"g1": {"Name": "Acme", "Phone": "+491"}})
    led.put_baselines("salesforce", "Account", {"g1": {"Name": "Acme AG"}})
    assert led.get_baselines("salesforce", "Account", ["g1"]) == {"g1": {"Name": "Acme AG"}}


def test_many_baselines_in_one_batch(led: Ledger) -> None:
    many = {f"g{i}": {"Name": f"Co {i}", "n": i} for i in range(1_200)}
    led.put_baselines("salesforce", "Account", many)
    assert led.get_baselines("salesforce", "Account", list(many)) == many


def test_baselines_over_several_statements_keep_their_own_values(
    led: Ledger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL sends JSON as text cast back in SQL, and a value every row of a statement
    shares once: each record keeps its own baseline either way."""
    from concord.ledger import base

    monkeypatch.setattr(base, "PG_CHUNK", 3)
    same = {"Name": "Müller GmbH", "Website": None, "Street": 'Hof "3"\nHinterhaus'}
    baselines = {"g1": same, "g2": dict(same), "g3": same,  # one value in the whole statement
                 "g4": same, "g5": {"Name": "Beta", "NumberOfEmployees": 12}, "g6": {},
                 "g7": {"Name": None}}  # alone in its statement
    led.put_baselines("salesforce", "Account", baselines)
    assert led.get_baselines("salesforce", "Account", list(baselines)) == baselines


# --- conflicts --------------------------------------------------------------------------

def conflict(field: str = "Phone", resolution: str = "held", kind: str = "conflict",
             golden: str = "g1", sf: str = "+4989222") -> FieldConflict:
    return FieldConflict(golden, "17", "001A", field, kind, "+4989000", "+4989111", sf,
                         "salesforce", "review", resolution)  # type: ignore[arg-type]


def test_a_held_conflict_is_open_once_however_often_it_is_seen(led: Ledger) -> None:
    assert led.record_conflicts("crm_accounts", "salesforce", "Account", [conflict()]) == 1
    [first] = led.list_conflicts()
    assert (first.status, first.field, first.platform, first.salesforce, first.baseline) == (
        "open", "Phone", "+4989111", "+4989222", "+4989000")
    assert first.detected_at.tzinfo == UTC and first.resolved_at is None
    assert led.record_conflicts("crm_accounts", "salesforce", "Account",
                                [conflict(sf="+4989333")]) == 0
    [again] = led.list_conflicts()
    assert (again.id, again.salesforce) == (first.id, "+4989333")
    assert again.last_seen_at >= first.last_seen_at and again.detected_at == first.detected_at


def test_the_same_held_field_twice_in_one_batch_is_one_open_conflict(led: Ledger) -> None:
    assert led.record_conflicts("crm_accounts", "salesforce", "Account",
                                [conflict(sf="+4989333"), conflict(sf="+4989444")]) == 1
    assert [c.salesforce for c in led.list_conflicts()] == ["+4989444"]


def test_conflicts_settled_by_rule_are_kept_as_resolved_history(led: Ledger) -> None:
    led.record_conflicts("crm_accounts", "salesforce", "Account", [
        conflict("Name", resolution="platform", kind="override"),
        conflict("Phone", resolution="salesforce"),
        conflict("Phone", resolution="salesforce"),  # next run, same field again: a new row
    ])
    assert led.list_conflicts() == []
    rows = led.list_conflicts(status="resolved")
    assert [(r.field, r.kind, r.resolved_by, r.decision) for r in rows] == [
        ("Name", "override", "rule:ownership", "platform"),
        ("Phone", "conflict", "rule:review", "salesforce"),
        ("Phone", "conflict", "rule:review", "salesforce")]
    assert all(r.applied_at is not None for r in rows)
    assert led.pending_decisions("salesforce", "Account", ["g1"]) == {}


def test_a_stewards_decision_waits_until_a_run_applies_it(led: Ledger) -> None:
    led.record_conflicts("crm_accounts", "salesforce", "Account",
                         [conflict(), conflict("Website"), conflict(golden="g2")])
    phone = next(c for c in led.list_conflicts() if (c.golden_id, c.field) == ("g1", "Phone"))
    row = led.resolve_conflict(phone.id, winner="platform", resolved_by="anna@steward")
    assert (row.status, row.decision, row.resolved_by) == ("resolved", "platform", "anna@steward")
    assert len(led.list_conflicts()) == 2
    with pytest.raises(UnknownConflict):
        led.resolve_conflict(phone.id, winner="salesforce", resolved_by="bob")
    with pytest.raises(ValueError, match="winner"):
        led.resolve_conflict(phone.id + 1, winner="both", resolved_by="bob")
    assert led.pending_decisions("salesforce", "Account", ["g1", "g2"]) == {
        "g1": {"Phone": "platform"}}
    led.mark_decisions_applied("salesforce", "Account", {"g1": ["Phone"]})
    assert led.pending_decisions("salesforce", "Account", ["g1"]) == {}
    # the same field conflicting again later is a new open conflict
    assert led.record_conflicts("crm_accounts", "salesforce", "Account", [conflict()]) == 1


def test_open_conflicts_the_diff_no_longer_holds_are_settled(led: Ledger) -> None:
    led.record_conflicts("crm_accounts", "salesforce", "Account",
                         [conflict(), conflict("Website"), conflict(golden="g2")])
    closed = led.settle_conflicts("salesforce", "Account", ["g1"], still_held=[("g1", "Website")])
    assert closed == 1
    assert {(c.golden_id, c.field) for c in led.list_conflicts()} == {("g1", "Website"),
                                                                      ("g2", "Phone")}
    [settled] = led.list_conflicts(status="resolved")
    assert (settled.field, settled.resolved_by, settled.decision) == (
        "Phone", "concord:settled", None)


def test_held_then_decided_then_applied_through_the_diff(led: Ledger) -> None:
    """The loop the plan step runs: diff -> record -> steward -> diff with the decision."""
    own = parse_ownership(
        {"entity": "company", "source": {"table": "companies"},
         "target": {"system": "salesforce", "object": "Account", "external_id": "Concord_Id__c"},
         "fields": {"Name": {"from": "name"}, "Website": {"from": "website"}}},
        {"leads": {"Website": "salesforce"}, "on_conflict": "review"})
    base = {"Name": "Acme", "Website": "acme.test"}
    led.put_baselines("salesforce", "Account", {"g1": base})
    sides = RecordSides("g1", {**base, "Website": "acme.example"},
                        {**base, "Website": "acme.shop"},
                        led.get_baselines("salesforce", "Account", ["g1"])["g1"],
                        row={"website": "acme.example"}, source_key="17", target_id="001A")
    held = diff_record(sides, own)
    assert held.nothing_to_write
    led.record_conflicts("crm_accounts", "salesforce", "Account", held.conflicts)
    [open_] = led.list_conflicts(sync="crm_accounts")
    led.resolve_conflict(open_.id, winner="salesforce", resolved_by="anna")

    decisions = led.pending_decisions("salesforce", "Account", ["g1"])
    done = diff_record(RecordSides(**{**sides.__dict__, "decisions": decisions["g1"]}), own)
    assert done.to_platform == {"website": "acme.shop"} and done.decided == ("Website",)
    led.put_baselines("salesforce", "Account", {"g1": done.baseline})
    led.mark_decisions_applied("salesforce", "Account", {"g1": done.decided})
    led.settle_conflicts("salesforce", "Account", ["g1"],
                         [(c.golden_id, c.field) for c in done.conflicts if c.held])
    assert led.list_conflicts() == [] and led.pending_decisions("salesforce", "Account", ["g1"]) == {}
    assert led.get_baselines("salesforce", "Account", ["g1"])["g1"]["Website"] == "acme.shop"


def test_records_waiting_for_a_run_are_the_held_and_the_decided_not_yet_applied(
        led: Ledger) -> None:
    led.record_conflicts("crm_accounts", "salesforce", "Account", [
        conflict(golden="g1"), conflict(golden="g2"),
        conflict(golden="g3", resolution="salesforce")])  # settled by the rule: history
    assert led.waiting_golden_ids("salesforce", "Account") == {"g1", "g2"}
    held = next(c for c in led.list_conflicts() if c.golden_id == "g1")
    led.resolve_conflict(held.id, winner="platform", resolved_by="steward")
    assert led.waiting_golden_ids("salesforce", "Account") == {"g1", "g2"}  # not applied yet
    led.mark_decisions_applied("salesforce", "Account", {"g1": ["Phone"]})
    assert led.waiting_golden_ids("salesforce", "Account") == {"g2"}
    assert led.waiting_golden_ids("salesforce", "Contact") == set()
