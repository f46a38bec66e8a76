"""Sync log: one row per record per run, kept and queryable by run, sync and outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from concord.ledger import Ledger, SyncLogRow


def row(key: str, action: str = "create", outcome: str = "ok", **kw: object) -> SyncLogRow:
    base: dict[str, object] = {
        "run_id": "run-1", "sync": "crm_accounts", "partition": "2024-05-01",
        "system": "salesforce", "obj": "Account", "record_key": key,
        "action": action, "outcome": outcome,
    }
    base.update(kw)
    return SyncLogRow(**base)  # type: ignore[arg-type]


def test_rows_come_back_in_order_with_aware_times(ledger: Ledger) -> None:
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    ledger.log([row("C-1", at=at), row("C-2", "update", "failed", error="FIELD_INTEGRITY")])

    got = ledger.sync_log(run_id="run-1")

    assert [r.record_key for r in got] == ["C-1", "C-2"]
    assert got[0].at == at
    assert got[1].at is not None and got[1].at.utcoffset() == timedelta(0)
    assert got[1].error == "FIELD_INTEGRITY"
    assert got[0].partition == "2024-05-01"


def test_filters_by_run_sync_outcome_and_record(ledger: Ledger) -> None:
    ledger.log([
        row("C-1"), row("C-2", "update", "failed", error="boom"),
        row("C-1", run_id="run-2", action="unchanged"),
        row("I-1", sync="accounting_invoices", system="xero", obj="Invoice"),
    ])

    assert len(ledger.sync_log(sync="crm_accounts")) == 3
    assert [r.record_key for r in ledger.sync_log(outcome="failed")] == ["C-2"]
    assert [r.action for r in ledger.sync_log(record_key="C-1")] == ["create", "unchanged"]
    assert [r.run_id for r in ledger.sync_log(run_id="run-2", sync="crm_accounts")] == ["run-2"]


def test_log_counts_add_up_per_action_and_outcome(ledger: Ledger) -> None:
    ledger.log([
        row("C-1"), row("C-2"), row("C-3", "update", "failed"), row("C-4", "quarantine", "skipped"),
        row("C-5", run_id="run-2"),
        row("I-1", sync="accounting_invoices", system="xero", obj="Invoice"),
    ])

    assert ledger.log_counts("run-1", "crm_accounts") == {
        "create/ok": 2, "update/failed": 1, "quarantine/skipped": 1,
    }
    assert ledger.log_counts("run-1") == {
        "create/ok": 3, "update/failed": 1, "quarantine/skipped": 1,
    }
    assert ledger.log_counts("nope") == {}


def test_unknown_actions_and_outcomes_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="action"):
        ledger.log([row("C-1", action="upsert")])
    with pytest.raises(ValueError, match="outcome"):
        ledger.log([row("C-1", outcome="maybe")])
    assert ledger.sync_log() == []


def test_a_batch_across_statements_keeps_every_value_of_every_row(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL sends a column that is the same in a whole statement's rows as one value:
    each row keeps its own anyway, whichever columns repeat in which statement."""
    from concord.ledger import base

    monkeypatch.setattr(base, "PG_CHUNK", 3)
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    rows = [
        row("C-1", at=at), row("C-2", at=at), row("C-3", at=at),  # only the key varies
        row("C-4", at=at), row("C-5", "update", "failed", error="boom", at=at),
        row("C-6", partition=None, at=at + timedelta(seconds=1)),
        row("C-7", partition=None, at=at.astimezone(timezone(timedelta(hours=2)))),  # alone
    ]
    ledger.log(rows)

    assert ledger.sync_log(run_id="run-1") == rows
