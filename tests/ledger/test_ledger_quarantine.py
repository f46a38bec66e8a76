"""Quarantine: rejected input stays visible with its rule until it passes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal

from concord.ledger import Ledger, QuarantineRow


def bad(key: str, rule: str = "vat_format", run_id: str = "run-1", **kw: object) -> QuarantineRow:
    base: dict[str, object] = {
        "sync": "crm_accounts", "obj": "companies", "record_key": key, "rule": rule,
        "field": "vat_number", "message": "VAT number has the wrong check digit",
        "payload": {"id": key, "vat_number": "DE000"}, "run_id": run_id,
        "partition": "2024-05-01",
    }
    base.update(kw)
    return QuarantineRow(**base)  # type: ignore[arg-type]


def test_quarantined_rows_are_listed_with_rule_and_payload(ledger: Ledger) -> None:
    ledger.quarantine([bad("17"), bad("18", rule="tax_rate_ambiguous", field="tax_rate")])

    rows = ledger.open_quarantine("crm_accounts")

    assert [(r.record_key, r.rule, r.field) for r in rows] == [
        ("17", "vat_format", "vat_number"), ("18", "tax_rate_ambiguous", "tax_rate"),
    ]
    assert rows[0].payload == {"id": "17", "vat_number": "DE000"}
    assert rows[0].status == "open"
    assert rows[0].first_seen is not None and rows[0].first_seen.utcoffset() == timedelta(0)


def test_seeing_a_row_again_keeps_first_seen(ledger: Ledger) -> None:
    ledger.quarantine([bad("17")])
    first = ledger.open_quarantine()[0]
    time.sleep(0.01)

    ledger.quarantine([bad("17", run_id="run-2", message="still wrong")])

    rows = ledger.open_quarantine()
    assert len(rows) == 1
    assert rows[0].first_seen == first.first_seen
    assert rows[0].last_seen > first.last_seen  # type: ignore[operator]
    assert (rows[0].run_id, rows[0].message) == ("run-2", "still wrong")


def test_release_closes_every_rule_of_the_record(ledger: Ledger) -> None:
    ledger.quarantine([bad("17"), bad("17", rule="email_format"), bad("18")])

    released = ledger.release_quarantine("crm_accounts", "companies", ["17", "99"])

    assert released == 2
    assert [r.record_key for r in ledger.open_quarantine()] == ["18"]
    assert ledger.release_quarantine("crm_accounts", "companies", ["17"]) == 0


def test_a_released_record_that_fails_again_is_open_again(ledger: Ledger) -> None:
    ledger.quarantine([bad("17")])
    first_seen = ledger.open_quarantine()[0].first_seen
    ledger.release_quarantine("crm_accounts", "companies", ["17"])

    ledger.quarantine([bad("17", run_id="run-3")])

    rows = ledger.open_quarantine()
    assert [(r.record_key, r.status, r.first_seen) for r in rows] == [("17", "open", first_seen)]


def test_payloads_keep_money_and_dates_exact(ledger: Ledger) -> None:
    payload = {"total": Decimal("1234.50"), "issued": datetime(2024, 5, 1, 9, 30), "n": 3}
    ledger.quarantine([bad("17", payload=payload)])

    assert ledger.open_quarantine()[0].payload == {
        "total": "1234.50", "issued": "2024-05-01T09:30:00", "n": 3,
    }


def test_open_quarantine_filters_by_sync(ledger: Ledger) -> None:
    ledger.quarantine([bad("17"), bad("INV-1", sync="accounting_invoices", obj="invoices")])

    assert [r.record_key for r in ledger.open_quarantine("accounting_invoices")] == ["INV-1"]
    assert len(ledger.open_quarantine()) == 2
