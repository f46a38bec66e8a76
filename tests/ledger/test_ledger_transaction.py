"""`Ledger.transaction()`: what belongs together is stored whole, or not at all."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from concord.ledger import Ledger, LedgerError, OutboxEntry, SyncLogRow, XrefLink


def _bookkeeping(ledger: Ledger) -> None:
    """A confirmed write's rows, as the apply step stores them."""
    ledger.send([OutboxEntry("k1", "crm_accounts", "salesforce", "Account", "G-1", "upsert",
                             "h1", run_id="run-1")])
    ledger.mark(["k1"], "confirmed", target_ids={"k1": "001A"})
    ledger.link([XrefLink("company", "G-1", "salesforce", "Account", "001A", "written")])
    ledger.log([SyncLogRow("run-1", "crm_accounts", None, "salesforce", "Account", "7",
                           "create", "ok", None)])
    ledger.put_hashes("salesforce", "Account", {"G-1": "h1"})


def _stored(ledger: Ledger) -> tuple:
    return (
        {k: e.state for k, e in ledger.get_outbox(["k1"]).items()},
        ledger.golden_ids("salesforce", "Account", ["001A"]),
        len(ledger.sync_log(run_id="run-1")),
        ledger.get_hashes("salesforce", "Account", ["G-1"]),
    )


def test_a_block_that_raises_stores_none_of_it(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError, match="died"), ledger.transaction():
        _bookkeeping(ledger)
        raise RuntimeError("the process died here")

    assert _stored(ledger) == ({}, {}, 0, {})


def test_a_block_that_completes_stores_all_of_it(ledger: Ledger) -> None:
    with ledger.transaction():
        _bookkeeping(ledger)
        assert ledger.get_outbox(["k1"])["k1"].state == "confirmed"  # reads see the block

    assert _stored(ledger) == ({"k1": "confirmed"}, {"001A": "G-1"}, 1, {"G-1": "h1"})


def test_a_nested_block_joins_the_outer_one(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError), ledger.transaction():
        with ledger.transaction():
            _bookkeeping(ledger)
        raise RuntimeError("after the inner block ended")

    assert _stored(ledger) == ({}, {}, 0, {})


def test_other_threads_see_the_block_only_once_it_ends(ledger: Ledger) -> None:
    with ThreadPoolExecutor(1) as other, ledger.transaction():
        _bookkeeping(ledger)
        assert other.submit(ledger.get_outbox, ["k1"]).result() == {}

    with ThreadPoolExecutor(1) as other:
        assert other.submit(ledger.get_outbox, ["k1"]).result()["k1"].state == "confirmed"


def test_a_call_that_raises_spoils_the_block_even_if_its_caller_goes_on(ledger: Ledger) -> None:
    """`mark` refuses a batch naming an unknown key after updating the known one; caught,
    the block still stores none of it (no half-marked batch, no half-done block)."""
    with pytest.raises(LedgerError, match="none of it is stored"), ledger.transaction():
        _bookkeeping(ledger)
        with pytest.raises(LedgerError, match="no entry"):
            ledger.mark(["k1", "k-unknown"], "failed", errors={"k1": "boom"})
        ledger.log([SyncLogRow("run-1", "crm_accounts", None, "salesforce", "Account", "8",
                               "update", "ok", None)])

    assert _stored(ledger) == ({}, {}, 0, {})
