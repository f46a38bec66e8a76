"""The ledger writes the apply step makes for a bulk load, timed one by one.

    python -m bench.ledger_writes [--records 200000] [--url sqlite:///... | postgresql+psycopg2://...]

A fresh ledger first gets the match step's links for the records (as at an initial load),
then, as apply does for N Bulk API creates: the job's outbox entry sent; then, in one
transaction, xref links to the new records, their match keys, the sync log, their content
hashes and the job's entry confirmed. Prints seconds per write, the commit and their
total (JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable

from concord.identity import golden_id_for, idempotency_key
from concord.ledger import Ledger, OutboxEntry, SyncLogRow, XrefLink

SYNC, SYSTEM, OBJ = "crm_accounts", "salesforce", "Contact"


def run(led: Ledger, n: int) -> dict[str, float]:
    golden = [golden_id_for("platform", "contacts", f"c{i}") for i in range(n)]
    hashes = {g: f"h{g[:12]}" for g in golden}
    job = idempotency_key(SYNC, SYSTEM, OBJ, "bulk_upsert", *(f"{g}:{hashes[g]}" for g in golden))
    target = {g: f"003{i:015d}" for i, g in enumerate(golden)}
    took: dict[str, float] = {}

    def timed(name: str, write: Callable[[], None]) -> None:
        t0 = time.perf_counter()
        write()
        took[name] = round(time.perf_counter() - t0, 2)

    led.link(XrefLink("person", g, "platform", "contacts", f"c{i}", "new")
             for i, g in enumerate(golden))
    timed("outbox_send", lambda: led.send(
        [OutboxEntry(job, SYNC, SYSTEM, OBJ, f"bulk job of {n}", "bulk_upsert", job,
                     run_id="bench")]))
    with led.transaction():
        timed("xref_links", lambda: led.link(
            XrefLink("person", g, SYSTEM, OBJ, target[g], "written") for g in golden))
        timed("match_keys", lambda: led.put_match_keys(
            SYSTEM, OBJ, {target[g]: {"Email": f"p{i}@example.com"} for i, g in enumerate(golden)}))
        timed("sync_log", lambda: led.log(
            SyncLogRow("bench", SYNC, None, SYSTEM, OBJ, f"c{i}", "create", "ok") for i in range(n)))
        timed("hashes", lambda: led.put_hashes(SYSTEM, OBJ, hashes))
        timed("outbox_confirm", lambda: led.mark([job], "confirmed"))
        t0 = time.perf_counter()
    took["commit"] = round(time.perf_counter() - t0, 2)
    took["total"] = round(sum(took.values()), 2)
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--url", help="an empty ledger database (default: a fresh SQLite file)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="concord-ledger-bench-") as tmp, \
            Ledger.open(args.url or f"sqlite:///{tmp}/ledger.sqlite") as led:
        print(json.dumps({"records": args.records, "seconds": run(led, args.records)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
