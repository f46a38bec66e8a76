"""Record ids of the sandbox org: counters kept in memory, saved once per write batch, and
still never handed out twice across a restart."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sandbox.common.clock import MonotonicClock
from sandbox.common.store import StateStore
from sandbox.reference import HOUSE_ACCOUNT_OWNER, sf_id
from sandbox.salesforce import schema
from sandbox.salesforce.handlers import bulk
from sandbox.salesforce.state import OrgState, Session
from sandbox.salesforce.writes import WriteBatch


def _open(path: Path) -> OrgState:
    return OrgState(StateStore(path), MonotonicClock())


def _bulk_insert(state: OrgState, names: list[str]) -> list[str]:
    job = {"id": state.new_id("750"), "object": "Account", "operation": "insert",
           "columnDelimiter": "COMMA", "lineEnding": "LF",
           "_data": "Name\n" + "".join(f"{name}\n" for name in names)}
    bulk._process(state, job, Session("t", HOUSE_ACCOUNT_OWNER.id))
    assert job["numberRecordsFailed"] == 0
    return [row["sf__Id"] for row in csv.DictReader(io.StringIO(job["_success"]))]


def test_ids_continue_the_sequence_after_a_restart_following_a_bulk_job(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    first = _bulk_insert(state, ["A", "B", "C"])
    assert first == [sf_id("001", 1001 + i) for i in range(3)]
    state.store.close()

    state = _open(path)
    assert set(first) <= set(state.records["Account"])
    assert _bulk_insert(state, ["D"]) == [sf_id("001", 1004)]
    state.store.close()


def test_ids_of_a_rolled_back_batch_are_not_handed_out_again(tmp_path: Path) -> None:
    path = tmp_path / "salesforce.sqlite3"
    state = _open(path)
    batch = WriteBatch(state, HOUSE_ACCOUNT_OWNER.id)
    gone = batch.insert(schema.ACCOUNT, {"Name": "Gone"})
    batch.rollback()
    state.store.close()

    state = _open(path)
    assert gone not in state.records["Account"]
    batch = WriteBatch(state, HOUSE_ACCOUNT_OWNER.id)
    kept = batch.insert(schema.ACCOUNT, {"Name": "Kept"})
    batch.commit()
    assert (gone, kept) == (sf_id("001", 1001), sf_id("001", 1002))
    state.store.close()
