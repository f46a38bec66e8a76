"""Xref: one golden id per entity, found from any system's record id and back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from concord.ledger import Ledger, LedgerError, XrefLink
from concord.ledger.schema import xref


def sf(golden: str, record_id: str, reason: str = "created") -> XrefLink:
    return XrefLink("company", golden, "salesforce", "Account", record_id, reason)


def test_golden_and_system_ids_map_both_ways(ledger: Ledger) -> None:
    ledger.link([
        sf("g1", "001A"), sf("g2", "001B"),
        XrefLink("company", "g1", "platform", "companies", "17", "source"),
    ])

    assert ledger.golden_ids("salesforce", "Account", ["001A", "001B", "001Z"]) == {
        "001A": "g1", "001B": "g2",
    }
    assert ledger.golden_ids("platform", "companies", ["17"]) == {"17": "g1"}
    assert ledger.system_ids(["g1", "g2", "g9"], "salesforce", "Account") == {
        "g1": "001A", "g2": "001B",
    }
    assert ledger.system_ids(["g1"], "platform", "companies") == {"g1": "17"}


def test_relinking_a_record_moves_it_instead_of_adding_a_row(ledger: Ledger) -> None:
    ledger.link([sf("g1", "001A")])
    ledger.link([sf("g2", "001A", reason="matched by email")])

    assert ledger.golden_ids("salesforce", "Account", ["001A"]) == {"001A": "g2"}
    assert ledger.links("g2") == [sf("g2", "001A", reason="matched by email")]
    assert ledger.links("g1") == []


def test_the_same_record_twice_in_one_batch_keeps_the_last(ledger: Ledger) -> None:
    ledger.link([sf("g1", "001A"), sf("g2", "001A")])

    assert ledger.golden_ids("salesforce", "Account", ["001A"]) == {"001A": "g2"}


def test_system_id_of_an_entity_with_two_records_is_the_first_linked(ledger: Ledger) -> None:
    ledger.link([sf("g1", "001B")])
    ledger.link([sf("g1", "001A")])

    assert ledger.system_ids(["g1"], "salesforce", "Account") == {"g1": "001B"}


def test_merge_golden_repoints_every_record_of_the_loser(ledger: Ledger) -> None:
    ledger.link([
        sf("winner", "001A"), sf("loser", "001B"),
        XrefLink("company", "loser", "platform", "companies", "42", "source"),
    ])

    moved = ledger.merge_golden("loser", "winner")

    assert moved == 2
    assert ledger.golden_ids("salesforce", "Account", ["001A", "001B"]) == {
        "001A": "winner", "001B": "winner",
    }
    assert ledger.golden_ids("platform", "companies", ["42"]) == {"42": "winner"}
    assert ledger.links("loser") == []
    assert ledger.merge_golden("loser", "winner") == 0


def test_merging_entities_of_different_types_is_refused(ledger: Ledger) -> None:
    ledger.link([sf("acme", "001A"), XrefLink("contact", "jane", "salesforce", "Contact", "003A")])

    with pytest.raises(LedgerError, match="different entity types"):
        ledger.merge_golden("jane", "acme")
    assert ledger.golden_ids("salesforce", "Contact", ["003A"]) == {"003A": "jane"}


def test_lookups_beyond_one_in_list_chunk(ledger: Ledger) -> None:
    ids = [f"001{i:05d}" for i in range(1234)]
    ledger.link([sf(f"g{i}", rid) for i, rid in enumerate(ids)])

    golden = ledger.golden_ids("salesforce", "Account", [*ids, *ids[:10], "missing"])
    assert golden == {rid: f"g{i}" for i, rid in enumerate(ids)}
    back = ledger.system_ids([f"g{i}" for i in range(1234)], "salesforce", "Account")
    assert back == {f"g{i}": rid for i, rid in enumerate(ids)}


def test_a_failing_batch_stores_nothing(ledger: Ledger) -> None:
    bad = XrefLink("company", None, "salesforce", "Account", "001C")  # type: ignore[arg-type]

    with pytest.raises(sa.exc.IntegrityError):
        ledger.link([sf("g1", "001A"), sf("g2", "001B"), bad])
    assert ledger.golden_ids("salesforce", "Account", ["001A", "001B", "001C"]) == {}


def test_the_database_refuses_a_second_row_for_one_record(ledger: Ledger) -> None:
    ledger.link([sf("g1", "001A")])
    row = ledger.links("g1")[0]
    with pytest.raises(sa.exc.IntegrityError), ledger.engine.begin() as conn:
        conn.execute(sa.insert(xref).values(
            entity_type="company", golden_id="g2", system=row.system, obj=row.obj,
            record_id=row.record_id, created_at=sa.func.now(), updated_at=sa.func.now(),
        ))
