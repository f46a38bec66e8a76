"""Record state: last content hashes (skip no-op writes) and the target's match keys."""

from __future__ import annotations

from concord.ledger import Ledger


def test_hashes_round_trip_and_are_replaced(ledger: Ledger) -> None:
    ledger.put_hashes("salesforce", "Account", {"001A": "h1", "001B": "h2"})
    ledger.put_hashes("salesforce", "Account", {"001A": "h3"})

    assert ledger.get_hashes("salesforce", "Account", ["001A", "001B", "001C"]) == {
        "001A": "h3", "001B": "h2",
    }


def test_hashes_are_kept_per_system_and_object(ledger: Ledger) -> None:
    ledger.put_hashes("salesforce", "Account", {"1": "sf-account"})
    ledger.put_hashes("salesforce", "Contact", {"1": "sf-contact"})
    ledger.put_hashes("xero", "Contact", {"1": "xero-contact"})

    assert ledger.get_hashes("salesforce", "Contact", ["1"]) == {"1": "sf-contact"}
    assert ledger.get_hashes("xero", "Contact", ["1"]) == {"1": "xero-contact"}
    assert ledger.get_hashes("qbo", "Customer", ["1"]) == {}


def test_many_hashes_in_one_call(ledger: Ledger) -> None:
    hashes = {f"r{i}": f"h{i}" for i in range(2_001)}
    ledger.put_hashes("qbo", "Item", hashes)

    assert ledger.get_hashes("qbo", "Item", list(hashes)) == hashes
    assert ledger.get_hashes("qbo", "Item", []) == {}


def test_match_keys_find_records_by_value(ledger: Ledger) -> None:
    ledger.put_match_keys("salesforce", "Account", {
        "001B": {"email": "ops@acme.test", "vat": "DE123456789"},
        "001A": {"email": "ops@acme.test", "vat": None},
        "001C": {"email": "info@globex.test"},
    })

    assert ledger.find_by_keys(
        "salesforce", "Account", "email", ["ops@acme.test", "nobody@x.test"]
    ) == {"ops@acme.test": ["001A", "001B"]}
    assert ledger.find_by_keys("salesforce", "Account", "vat", ["DE123456789"]) == {
        "DE123456789": ["001B"],
    }
    assert ledger.find_by_keys("salesforce", "Contact", "email", ["ops@acme.test"]) == {}


def test_putting_match_keys_replaces_the_named_keys_and_keeps_the_others(ledger: Ledger) -> None:
    ledger.put_match_keys("salesforce", "Account", {
        "001A": {"email": "old@acme.test", "vat": "DE1"},
        "001B": {"email": "keep@globex.test"},
    })
    # a partial update that sent only the e-mail
    ledger.put_match_keys("salesforce", "Account", {"001A": {"email": "new@acme.test"}})

    assert ledger.find_by_keys("salesforce", "Account", "email", [
        "old@acme.test", "new@acme.test", "keep@globex.test",
    ]) == {"new@acme.test": ["001A"], "keep@globex.test": ["001B"]}
    assert ledger.find_by_keys("salesforce", "Account", "vat", ["DE1"]) == {"DE1": ["001A"]}

    ledger.put_match_keys("salesforce", "Account", {"001A": {"email": "new@acme.test", "vat": None}})
    assert ledger.find_by_keys("salesforce", "Account", "vat", ["DE1"]) == {}

    ledger.put_match_keys("salesforce", "Account", {"001B": {"email": None}})
    assert ledger.find_by_keys("salesforce", "Account", "email", ["keep@globex.test"]) == {}


def test_match_keys_beyond_one_in_list_chunk(ledger: Ledger) -> None:
    keys = {f"r{i}": {"email": f"user{i % 700}@x.test"} for i in range(1_400)}
    ledger.put_match_keys("qbo", "Customer", keys)

    found = ledger.find_by_keys("qbo", "Customer", "email", [f"user{i}@x.test" for i in range(700)])
    assert len(found) == 700
    assert found["user5@x.test"] == ["r5", "r705"]


def test_match_keys_dropped_beyond_one_in_list_chunk(ledger: Ledger) -> None:
    kept = {f"r{i}": {"email": f"user{i}@x.test", "vat": f"DE{i}"} for i in range(1_200)}
    ledger.put_match_keys("qbo", "Customer", kept)
    # every record loses its e-mail (a delete, say); the first 600 also their VAT id
    ledger.put_match_keys("qbo", "Customer", {
        f"r{i}": {"email": None, **({"vat": None} if i < 600 else {})} for i in range(1_200)})

    assert ledger.find_by_keys("qbo", "Customer", "email",
                               [f"user{i}@x.test" for i in range(1_200)]) == {}
    vats = ledger.find_by_keys("qbo", "Customer", "vat", [f"DE{i}" for i in range(1_200)])
    assert vats == {f"DE{i}": [f"r{i}"] for i in range(600, 1_200)}
