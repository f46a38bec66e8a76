"""Salesforce write and read calls against the protocol minimum.

    python -m bench.salesforce_calls [--records 100000] [--collections 20000]

Writes N accounts through the connector (Bulk API 2.0 above the bulk threshold), then M
through sObject Collections, then reads them back incrementally, and prints the calls
next to the minimum each path allows: ceil(N/200) collections, the handful of calls of one
Bulk job, ceil(N/2000) query pages. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from resources.salesforce.client import SalesforceClient
from sandbox.harness import running_sandbox


def _accounts(n: int, prefix: str) -> list[dict]:
    return [{"Name": f"Bench {prefix} {i}", "Concord_Id__c": f"{prefix}-{i:07d}",
             "BillingCity": "Berlin"} for i in range(n)]


def _client(info, **kw) -> SalesforceClient:
    return SalesforceClient(instance_url=info.base_url, token_url=info.token_url,
                            client_id=info.credentials["client_id"],
                            client_secret=info.credentials["client_secret"],
                            ca_bundle=info.ca_bundle, **kw)


def _write(client: SalesforceClient, records: list[dict]) -> tuple[int, float]:
    t0 = time.perf_counter()
    ok = sum(r.success for batch in client.upsert("Account", "Concord_Id__c", records) for r in batch)
    return ok, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=100_000, help="accounts via Bulk API 2.0")
    ap.add_argument("--collections", type=int, default=20_000, help="accounts via collections")
    args = ap.parse_args(argv)
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp, \
            running_sandbox("salesforce", tmp, args=["--daily-limit", "10000000"]) as info:
        start = datetime.now(UTC) - timedelta(seconds=1)
        bulk = _client(info, bulk_threshold=10_000)
        ok, secs = _write(bulk, _accounts(args.records, "bulk"))
        calls = bulk.calls.as_dict()
        out["bulk_upsert"] = {"records": args.records, "succeeded": ok, "seconds": round(secs, 2),
                              "write_calls": calls.get("write", 0),
                              "bulk_job_writes": calls.get("bulk_jobs", 0),
                              "bulk_job_reads": calls.get("read", 0)}

        coll = _client(info, bulk_threshold=10**9)
        ok, secs = _write(coll, _accounts(args.collections, "coll"))
        calls = coll.calls.as_dict()
        minimum = math.ceil(args.collections / 200)
        out["collections_upsert"] = {"records": args.collections, "succeeded": ok,
                                     "seconds": round(secs, 2), "write_calls": calls.get("write", 0),
                                     "minimum": minimum,
                                     "ratio": round(calls.get("write", 0) / minimum, 3)}

        reader = _client(info)
        total = args.records + args.collections
        t0 = time.perf_counter()
        seen = sum(1 for _ in reader.changed_since("Account", ["Id", "Concord_Id__c"], since=start,
                                                   until=datetime.now(UTC), include_deleted=False))
        calls = reader.calls.as_dict()
        out["incremental_read"] = {"records": seen, "expected": total,
                                   "read_calls": calls.get("read", 0),
                                   "minimum": math.ceil(total / 2000),
                                   "seconds": round(time.perf_counter() - t0, 2)}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
