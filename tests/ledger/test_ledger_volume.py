"""Volume: an initial load of 300,000 records goes through the ledger in one call each.

No timing is asserted (machines differ); the durations are printed (`pytest -s`) and
reported in the hand-off. This guards against chunking and batching mistakes that only
show at volume (IN-list limits, duplicate keys in one statement, lost rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from concord.ledger import Ledger, XrefLink

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
