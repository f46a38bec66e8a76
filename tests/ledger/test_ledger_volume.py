"""Volume: an initial load of 300,000 records goes through the ledger in one call each.

No timing is asserted (machines differ); the durations are printed (`pytest -s`) and
reported in the hand-off. This guards against chunking and batching mistakes that only
show at volume (IN-list limits, duplicate keys in one statement, lost rows), and holds
the one-scan reads of most of a table to the IN-list reads they stand in for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from concord.ledger import (
    CandidatePair,
    ClusterMember,
    DuplicateCluster,
    Ledger,
    OutboxEntry,
    XrefLink,
)
from concord.ledger.base import IN_CHUNK, SCAN_FROM_VALUES, SCAN_SHARE

N = 300_000


@pytest.mark.slow
def test_300k_hashes_and_links_on_sqlite(tmp_path: Path) -> None:
    ids = [f"001{i:015d}" for i in range(N)]
    hashes = {rid: f"{i:064x}" for i, rid in enumerate(ids)}
    links = [XrefLink("company", f"g{i}", "salesforce", "Account", rid)
             for i, rid in enumerate(ids)]
    timings: dict[str, float] = {}
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        def timed(name: str, fn: Callable[..., Any], *args: Any) -> Any:
            start = time.perf_counter()
            result = fn(*args)
            timings[name] = time.perf_counter() - start
            return result

        timed("put_hashes", ledger.put_hashes, "salesforce", "Account", hashes)
        got = timed("get_hashes", ledger.get_hashes, "salesforce", "Account", ids)
        timed("link", ledger.link, links)
        golden = timed("golden_ids", ledger.golden_ids, "salesforce", "Account", ids)

    assert got == hashes
    assert len(golden) == N
    assert golden[ids[-1]] == f"g{N - 1}"
    print(" ".join(f"{k}={v:.2f}s" for k, v in timings.items()))


def test_a_batch_larger_than_one_statement(ledger: Ledger) -> None:
    """Crosses PostgreSQL's rows-per-statement chunk and its statistics refresh."""
    ids = [f"r{i:06d}" for i in range(12_345)]
    ledger.put_hashes("qbo", "Customer", {rid: "h" for rid in ids})
    ledger.link([XrefLink("company", f"g{rid}", "qbo", "Customer", rid) for rid in ids])
    ledger.put_hashes("qbo", "Customer", {rid: "h2" for rid in ids[::2]})

    hashes = ledger.get_hashes("qbo", "Customer", ids)
    assert len(hashes) == len(ids)
    assert (hashes["r000000"], hashes["r000001"]) == ("h2", "h")
    assert ledger.golden_ids("qbo", "Customer", ids[-3:]) == {rid: f"g{rid}" for rid in ids[-3:]}


def _selects(ledger: Ledger) -> list[str]:
    """The SELECT statements the ledger sends from now on."""
    sent: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    sa.event.listen(ledger.engine, "before_cursor_execute", seen)
    return sent


def test_a_lookup_of_most_records_reads_them_in_one_scan(ledger: Ledger) -> None:
    """An initial load asks for every record it has: from SCAN_FROM_VALUES values on, a
    lookup that wants a good share of what is stored reads it in one statement (after a
    count), and answers exactly as IN lists do: values not stored are left out, other
    objects' rows too, and a golden id linked twice still answers its first link."""
    n = SCAN_FROM_VALUES + 500
    ids = [f"003{i:015d}" for i in range(n)]
    ledger.put_hashes("salesforce", "Contact", {rid: f"h{rid}" for rid in ids})
    ledger.put_hashes("salesforce", "Account", {ids[0]: "another object's"})
    ledger.link([XrefLink("contact", f"g{i}", "salesforce", "Contact", rid)
                 for i, rid in enumerate(ids)])
    ledger.link([XrefLink("contact", "g0", "salesforce", "Contact", "003999999999999999")])
    asked = [*ids, "003unknown"]
    goldens = [f"g{i}" for i in range(n)]

    sent = _selects(ledger)
    hashes = ledger.get_hashes("salesforce", "Contact", asked)
    targets = ledger.system_ids(goldens, "salesforce", "Contact")
    assert len(sent) == 4  # a count and one SELECT each

    assert hashes == {rid: f"h{rid}" for rid in ids}
    assert targets == {f"g{i}": rid for i, rid in enumerate(ids)}  # g0: its first link
    few = 2_000  # below SCAN_FROM_VALUES: IN lists
    by_parts_hashes: dict[str, str] = {}
    by_parts_targets: dict[str, str] = {}
    for i in range(0, len(asked), few):
        by_parts_hashes.update(ledger.get_hashes("salesforce", "Contact", asked[i:i + few]))
        by_parts_targets.update(ledger.system_ids(goldens[i:i + few], "salesforce", "Contact"))
    assert (by_parts_hashes, by_parts_targets) == (hashes, targets)


def test_a_lookup_of_a_small_share_goes_by_in_lists(ledger: Ledger) -> None:
    stored = [f"r{i:06d}" for i in range(SCAN_SHARE * SCAN_FROM_VALUES + 1)]
    ledger.put_hashes("qbo", "Customer", dict.fromkeys(stored, "h"))
    asked = stored[:SCAN_FROM_VALUES]

    sent = _selects(ledger)
    assert ledger.get_hashes("qbo", "Customer", asked) == dict.fromkeys(asked, "h")
    in_lists = -(-SCAN_FROM_VALUES // IN_CHUNK)
    assert len(sent) == 1 + in_lists  # the count that chose them, then the IN lists


def test_outbox_entries_and_cluster_members_read_by_scan_as_by_in_lists(ledger: Ledger) -> None:
    """The other scan readers: whole outbox rows (aware datetimes and all) and the
    duplicate clusters a load's records belong to."""
    n = SCAN_FROM_VALUES + 100
    keys = [f"k{i:06d}" for i in range(n)]
    ledger.send(OutboxEntry(k, "crm", "salesforce", "Contact", f"g{k}", "upsert", "h")
                for k in keys)
    ledger.record_clusters([DuplicateCluster(
        f"c{i}", "crm", "person", [ClusterMember("platform", "contacts", f"r{2 * i}"),
                                   ClusterMember("platform", "contacts", f"r{2 * i + 1}")],
        [CandidatePair(f"r{2 * i}", f"r{2 * i + 1}", 1.0, ["email"])]) for i in range(n // 2)])
    records = [f"r{i}" for i in range(n + 50)]  # the last 50 in no cluster

    sent = _selects(ledger)
    entries = ledger.get_outbox([*keys, "unknown"])
    clusters = ledger.clusters_of("platform", "contacts", records)
    assert len(sent) == 4  # a count and one SELECT each

    assert list(entries) == keys
    assert all(e.state == "sent" and e.updated_at.tzinfo is not None for e in entries.values())
    assert clusters == {f"r{i}": f"c{i // 2}" for i in range(n - n % 2)}
    few = 1_000
    by_parts_entries: dict[str, OutboxEntry] = {}
    by_parts_clusters: dict[str, str] = {}
    for i in range(0, n + 50, few):
        by_parts_entries.update(ledger.get_outbox(keys[i:i + few]))
        by_parts_clusters.update(ledger.clusters_of("platform", "contacts", records[i:i + few]))
    assert (by_parts_entries, by_parts_clusters) == (entries, clusters)
