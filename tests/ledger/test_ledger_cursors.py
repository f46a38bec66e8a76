"""Cursors: the incremental extract starts where the last one ended, never earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from concord.ledger import Ledger

T0 = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)


def test_no_cursor_until_one_is_set(ledger: Ledger) -> None:
    assert ledger.get_cursor("crm_accounts", "salesforce", "Account") is None


def test_cursor_round_trips_as_aware_utc(ledger: Ledger) -> None:
    berlin = datetime(2024, 3, 31, 3, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    ledger.set_cursor("crm_accounts", "salesforce", "Account", berlin)

    got = ledger.get_cursor("crm_accounts", "salesforce", "Account")

    assert got == berlin
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == datetime(2024, 3, 31, 1, 30, 15, 123456, tzinfo=UTC)


def test_cursor_never_moves_backwards(ledger: Ledger) -> None:
    ledger.set_cursor("crm_accounts", "salesforce", "Account", T0 + timedelta(hours=2))
    ledger.set_cursor("crm_accounts", "salesforce", "Account", T0)  # an old partition re-run

    assert ledger.get_cursor("crm_accounts", "salesforce", "Account") == T0 + timedelta(hours=2)

    ledger.set_cursor("crm_accounts", "salesforce", "Account", T0 + timedelta(hours=3))
    assert ledger.get_cursor("crm_accounts", "salesforce", "Account") == T0 + timedelta(hours=3)


def test_force_rewinds_the_cursor(ledger: Ledger) -> None:
    ledger.set_cursor("crm_accounts", "salesforce", "Account", T0 + timedelta(days=1))
    ledger.set_cursor("crm_accounts", "salesforce", "Account", T0, force=True)

    assert ledger.get_cursor("crm_accounts", "salesforce", "Account") == T0


def test_cursors_are_kept_per_sync_system_and_object(ledger: Ledger) -> None:
    ledger.set_cursor("crm_accounts", "salesforce", "Account", T0)
    ledger.set_cursor("crm_accounts", "salesforce", "Contact", T0 + timedelta(minutes=1))
    ledger.set_cursor("accounting_invoices", "xero", "Invoice", T0 + timedelta(minutes=2))

    assert ledger.cursors() == {
        ("crm_accounts", "salesforce", "Account"): T0,
        ("crm_accounts", "salesforce", "Contact"): T0 + timedelta(minutes=1),
        ("accounting_invoices", "xero", "Invoice"): T0 + timedelta(minutes=2),
    }
    assert list(ledger.cursors("accounting_invoices")) == [
        ("accounting_invoices", "xero", "Invoice")
    ]


def test_naive_high_water_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.set_cursor("crm_accounts", "salesforce", "Account", datetime(2024, 1, 1))
    assert ledger.get_cursor("crm_accounts", "salesforce", "Account") is None
