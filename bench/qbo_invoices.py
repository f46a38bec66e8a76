"""Invoices into the sandbox QBO under its real per-realm throttles, then the same again.

    python -m bench.qbo_invoices [--invoices 10000] [--scale-time 60]

Writes N invoices through QboClient (30 per POST /batch) against a sandbox whose clock runs
F times faster (a minute lasts 60/F seconds), and prints one JSON object: batch POSTs sent
against ceil(N/30), calls the sandbox refused (429), client retries, and the elapsed time
against the floor QBO's 40 batch requests a minute set: (ceil(batches/40) - 1) windows.

Then it runs the same load again. Skipping unchanged records is the sync's plan step (the
ledger's record_state content hashes), not the client's; the bench does the same here, so
the re-run should send no write at all.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from concord.identity import content_hash
from concord.ledger import Ledger, TokenSet
from resources.qbo.client import BATCH_SIZE, QboClient
from sandbox.harness import SandboxControl, running_sandbox

BATCH_MINUTE_LIMIT = 40
CUSTOMERS = 97
WRITE_KINDS = ("batch", "entity_write")


def _customers() -> list[dict[str, Any]]:
    return [{"DisplayName": f"Bench Customer {i}"} for i in range(CUSTOMERS)]


def _invoices(n: int, customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {"DocNumber": f"B-{i:06d}", "CustomerRef": {"value": customer_ids[i % len(customer_ids)]},
         "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("20.00"),
                   "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": Decimal("2"),
                                           "UnitPrice": Decimal("10.00"),
                                           "TaxCodeRef": {"value": "2"}}}]}
        for i in range(n)
    ]


def _load(client: QboClient, ledger: Ledger, invoices: Sequence[dict[str, Any]]) -> int:
    """Write what changed since the ledger last saw it (as the sync's plan + apply do)."""
    hashes = {inv["DocNumber"]: content_hash(inv) for inv in invoices}
    seen = ledger.get_hashes("qbo", "Invoice", list(hashes))
    todo = [inv for inv in invoices if seen.get(inv["DocNumber"]) != hashes[inv["DocNumber"]]]
    written = 0
    for batch in client.upsert_invoices(todo):
        done = {r.key: hashes[r.key] for r in batch if r.success and r.key}
        ledger.put_hashes("qbo", "Invoice", done)
        written += len(done)
    return written


def _writes(calls: dict[str, Any]) -> int:
    return sum(int(calls["by_kind"].get(kind, 0)) for kind in WRITE_KINDS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--scale-time", type=float, default=60.0)
    args = ap.parse_args(argv)
    scale = args.scale_time
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(
            "qbo", Path(tmp) / "qbo", args=["--scale-time", str(scale)]) as info:
        creds = info.credentials
        ledger = Ledger.open(f"sqlite:///{Path(tmp) / 'ledger.sqlite'}",
                             token_key=Fernet.generate_key().decode())
        client = QboClient(
            base_url=info.base_url, discovery_url=creds["discovery_url"],
            client_id=creds["client_id"], client_secret=creds["client_secret"],
            realm_id=creds["realm_id"], ledger=ledger, ca_bundle=info.ca_bundle,
            time_scale=scale)
        client.vault.store(TokenSet(access_token=creds["access_token"],
                                    refresh_token=creds["refresh_token"],
                                    expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        client.vault.access_token()  # a refresh before the clock starts, not inside the figure
        customer_ids = [str(r.qbo_id) for batch in client.upsert_customers(_customers())
                        for r in batch]
        control = SandboxControl(info)
        invoices = _invoices(args.invoices, customer_ids)
        control.reset_calls()
        client.calls.reset()
        started = time.monotonic()
        written = _load(client, ledger, invoices)
        elapsed = time.monotonic() - started
        calls = control.calls()
        client_calls = client.calls.as_dict()
        retries = client.calls.retries

        control.reset_calls()
        started = time.monotonic()
        rewritten = _load(client, ledger, invoices)
        rerun_seconds = time.monotonic() - started
        rerun_calls = control.calls()
        stored = client.count("Invoice", "DocNumber like 'B-%'")
    batches = int(calls["by_kind"].get("batch", 0))
    minimum = math.ceil(args.invoices / BATCH_SIZE)
    floor = (math.ceil(minimum / BATCH_MINUTE_LIMIT) - 1) * 60 / scale
    print(json.dumps({
        "invoices": args.invoices, "written": written, "stored": stored, "scale_time": scale,
        "batches": batches, "minimum_batches": minimum, "ratio": round(batches / minimum, 3),
        "throttled_429": int(calls["by_kind"].get("throttled", 0)),
        "client_retries": retries, "client_calls": client_calls,
        "seconds": round(elapsed, 2), "floor_seconds": round(floor, 2),
        "over_floor": round(elapsed / floor, 3) if floor else None,
        "rerun_written": rewritten, "rerun_write_calls": _writes(rerun_calls),
        "rerun_calls": rerun_calls["by_kind"], "rerun_seconds": round(rerun_seconds, 2),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
