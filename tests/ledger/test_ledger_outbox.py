"""Outbox: a write is recorded before it is sent, so a re-run never writes it blindly."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from concord.ledger import Ledger, LedgerError, OutboxEntry


def entry(key: str, record_key: str = "C-1", **kw: object) -> OutboxEntry:
    base: dict[str, object] = {
        "idempotency_key": key, "sync": "crm_accounts", "system": "salesforce",
        "obj": "Account", "record_key": record_key, "operation": "upsert",
        "payload_hash": "hash-1", "run_id": "run-1",
    }
    base.update(kw)
    return OutboxEntry(**base)  # type: ignore[arg-type]


def test_enqueue_stores_pending_entries_with_aware_timestamps(ledger: Ledger) -> None:
    stored = ledger.enqueue([entry("k1"), entry("k2", "C-2")])

    assert set(stored) == {"k1", "k2"}
    assert stored["k1"].state == "pending"
    assert stored["k1"].attempts == 0
    assert stored["k1"].created_at is not None
    assert stored["k1"].created_at.utcoffset() == timedelta(0)


def test_enqueue_twice_returns_the_first_entry(ledger: Ledger) -> None:
    first = ledger.enqueue([entry("k1", payload_hash="hash-1", run_id="run-1")])["k1"]
    ledger.mark(["k1"], "sent")

    again = ledger.enqueue([entry("k1", payload_hash="hash-2", run_id="run-2")])["k1"]

    assert again.payload_hash == "hash-1"
    assert again.run_id == "run-1"
    assert again.state == "sent"  # the retry sees the earlier attempt
    assert again.created_at == first.created_at
    assert len(ledger.outbox()) == 1


def test_duplicate_keys_in_one_batch_keep_the_first(ledger: Ledger) -> None:
    stored = ledger.enqueue([entry("k1", payload_hash="a"), entry("k1", payload_hash="b")])

    assert stored["k1"].payload_hash == "a"


def test_send_records_new_writes_as_sent_and_counts_a_resend_as_another_attempt(
    ledger: Ledger,
) -> None:
    ledger.send([entry("k1"), entry("k2", "C-2"), entry("k1", payload_hash="dup")])
    first = {e.idempotency_key: e for e in ledger.outbox()}
    assert {k: (e.state, e.attempts, e.payload_hash) for k, e in first.items()} == {
        "k1": ("sent", 1, "hash-1"), "k2": ("sent", 1, "hash-1")}

    ledger.mark(["k1"], "uncertain", errors={"k1": "connection reset"},
                target_ids={"k1": "001A"})
    ledger.send([entry("k1", payload_hash="hash-1", run_id="run-2")])  # the retry
    [again] = [e for e in ledger.outbox() if e.idempotency_key == "k1"]

    assert (again.state, again.attempts, again.error) == ("sent", 2, None)
    assert again.target_id == "001A"  # what the earlier attempt learned is kept
    assert again.created_at == first["k1"].created_at
    assert again.run_id == "run-2"  # the latest attempt's run: its step retries skip what it confirmed
    assert len(ledger.outbox()) == 2


def test_the_write_lifecycle(ledger: Ledger) -> None:
    ledger.enqueue([entry("k1")])

    ledger.mark(["k1"], "sent")
    ledger.mark(["k1"], "uncertain", errors={"k1": "read timed out"})
    after_timeout = ledger.outbox()[0]
    ledger.mark(["k1"], "confirmed", target_ids={"k1": "001A"})
    done = ledger.outbox()[0]

    assert (after_timeout.state, after_timeout.attempts, after_timeout.error) == (
        "uncertain", 1, "read timed out",
    )
    assert (done.state, done.attempts, done.target_id, done.error) == (
        "confirmed", 1, "001A", None,
    )
    assert done.updated_at is not None and done.updated_at.tzinfo is not None


def test_each_send_counts_as_an_attempt(ledger: Ledger) -> None:
    ledger.enqueue([entry("k1"), entry("k2", "C-2")])

    ledger.mark(["k1"], "sent")
    ledger.mark(["k1"], "failed", errors={"k1": "UNABLE_TO_LOCK_ROW"})
    ledger.mark(["k1"], "sent")
    ledger.mark(["k2"], "confirmed", target_ids={"k2": "001B"})  # straight from pending

    got = {e.idempotency_key: e for e in ledger.outbox()}
    assert got["k1"].attempts == 2
    assert got["k1"].state == "sent"
    assert got["k1"].error is None
    assert got["k2"].attempts == 1


def test_failed_keeps_its_error_and_target_id_is_not_lost(ledger: Ledger) -> None:
    ledger.enqueue([entry("k1")])
    ledger.mark(["k1"], "confirmed", target_ids={"k1": "001A"})
    ledger.mark(["k1"], "failed", errors={"k1": "DUPLICATE_VALUE"})

    got = ledger.outbox()[0]
    assert (got.target_id, got.error) == ("001A", "DUPLICATE_VALUE")


def test_outbox_filters(ledger: Ledger) -> None:
    ledger.enqueue([
        entry("k1"), entry("k2", "C-2"),
        entry("k3", sync="accounting_invoices", system="xero", obj="Invoice"),
    ])
    ledger.mark(["k2"], "uncertain")

    assert [e.idempotency_key for e in ledger.outbox(sync="crm_accounts")] == ["k1", "k2"]
    assert [e.idempotency_key for e in ledger.outbox(system="xero")] == ["k3"]
    assert [
        e.idempotency_key for e in ledger.outbox(states=["pending", "uncertain"], sync="crm_accounts")
    ] == ["k1", "k2"]
    assert [e.idempotency_key for e in ledger.outbox(states=["uncertain"])] == ["k2"]


def test_marking_an_unknown_key_changes_nothing(ledger: Ledger) -> None:
    ledger.enqueue([entry("k1")])

    with pytest.raises(LedgerError, match="no entry"):
        ledger.mark(["k1", "ghost"], "sent")
    assert ledger.outbox()[0].state == "pending"


def test_unknown_states_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="outbox state"):
        ledger.enqueue([entry("k1", state="done")])
    ledger.enqueue([entry("k1")])
    with pytest.raises(ValueError, match="outbox state"):
        ledger.mark(["k1"], "done")


def test_many_entries_in_one_call(ledger: Ledger) -> None:
    keys = [f"k{i}" for i in range(1_200)]
    stored = ledger.enqueue([entry(k, f"C-{k}") for k in keys])
    ledger.mark(keys[:700], "sent")

    assert len(stored) == 1_200
    assert len(ledger.outbox(states=["sent"])) == 700
    assert ledger.get_outbox(["k5", "nope"])["k5"].state == "sent"
    assert ledger.outbox()[0].created_at.tzinfo == UTC  # type: ignore[union-attr]


def test_marking_more_entries_than_one_statement_takes(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concord.ledger import base

    monkeypatch.setattr(base, "PG_CHUNK", 3)  # PostgreSQL: one UPDATE per 3 rows
    keys = [f"k{i}" for i in range(10)]
    ledger.send(entry(k, f"C-{k}") for k in keys)
    ledger.mark(keys, "confirmed", target_ids={k: f"001{k}" for k in keys[::2]})

    stored = ledger.get_outbox(keys)
    assert {e.state for e in stored.values()} == {"confirmed"}
    assert {k: e.target_id for k, e in stored.items()} == {
        k: (f"001{k}" if i % 2 == 0 else None) for i, k in enumerate(keys)}
    assert {e.attempts for e in stored.values()} == {1}

    with pytest.raises(LedgerError, match="no entry for 1 key"):
        ledger.mark([*keys, "k-missing"], "failed", errors={"k-missing": "x"})
    assert {e.state for e in ledger.get_outbox(keys).values()} == {"confirmed"}  # rolled back
