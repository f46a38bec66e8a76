"""Invoices into the sandbox Xero under its real per-minute limit.

    python -m bench.xero_invoices [--invoices 10000] [--scale-time 2]

Writes N ACCREC invoices through XeroClient (50 per POST, up to 5 POSTs in flight) against a
sandbox whose clock runs F times faster (a minute lasts 60/F seconds), and prints one JSON
object: POSTs the sandbox received against ceil(N/50) (a refused call is received too, so
posts == minimum means no 429), client retries, the most calls in flight, and the elapsed
time against the floor the 60-a-minute limit sets: (ceil(POSTs/60) - 1) windows. Then it
runs again as a sync would: content hashes of the written invoices are kept in the ledger,
and only invoices whose hash changed are posted (`rerun_posts`: 0 when nothing changed).
Pick F so
that a window stays well above the sandbox's own work for 60 POSTs (~3 s here): at F=60 the
sandbox, not the limit, sets the pace.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from xero_python.accounting.models import Contact, Invoice, LineItem
from xero_python.api_client.serializer import serialize

from concord.identity import content_hash
from concord.ledger import Ledger, TokenSet
from resources.xero.client import XeroClient
from sandbox.harness import SandboxControl, running_sandbox

MINUTE_LIMIT = 60
BATCH = 50


def _invoices(n: int) -> list[Invoice]:
    today = date.today()
    return [
        Invoice(type="ACCREC", contact=Contact(name=f"Bench Contact {i % 97}"),
                invoice_number=f"B-{i:06d}", status="AUTHORISED", date=today,
                due_date=today + timedelta(days=14),
                line_items=[LineItem(description="Service", quantity=Decimal("2"),
                                     unit_amount=Decimal("10.00"), account_code="200",
                                     tax_type="OUTPUT2")])
        for i in range(n)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--scale-time", type=float, default=2.0)
    args = ap.parse_args(argv)
    scale = args.scale_time
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(
            "xero", Path(tmp) / "xero", args=["--scale-time", str(scale), "--day-limit", "100000"]
    ) as info:
        creds = info.credentials
        ledger = Ledger.open(f"sqlite:///{Path(tmp) / 'ledger.sqlite'}",
                             token_key=Fernet.generate_key().decode())
        client = XeroClient(
            base_url=info.base_url, token_url=info.token_url,
            connections_url=info.extra["connections_url"], client_id=creds["client_id"],
            client_secret=creds["client_secret"], tenant_id=creds["tenant_id"], ledger=ledger,
            ca_bundle=info.ca_bundle, minute_limit=MINUTE_LIMIT, time_scale=scale)
        client.vault.store(TokenSet(access_token=creds["access_token"],
                                    refresh_token=creds["refresh_token"],
                                    expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        client.vault.access_token()  # a refresh before the clock starts, not inside the figure
        control = SandboxControl(info)
        control.reset_calls()
        invoices = _invoices(args.invoices)
        hashes = {inv.invoice_number: content_hash(serialize(inv)) for inv in invoices}
        started = time.monotonic()
        written = 0
        for batch in client.upsert_invoices(invoices):
            done = {r.key: hashes[r.key] for r in batch if r.success}
            ledger.put_hashes("xero", "Invoice", done)
            written += len(done)
        elapsed = time.monotonic() - started
        calls = control.calls()

        control.reset_calls()
        again = _invoices(args.invoices)
        stored = ledger.get_hashes("xero", "Invoice", [inv.invoice_number for inv in again])
        changed = [inv for inv in again
                   if stored.get(inv.invoice_number) != content_hash(serialize(inv))]
        for _ in client.upsert_invoices(changed):
            pass
        rerun_posts = control.calls()["by_kind"].get("invoices", 0)
    posts = calls["by_kind"].get("invoices", 0)
    minimum = math.ceil(args.invoices / BATCH)
    floor = (math.ceil(minimum / MINUTE_LIMIT) - 1) * 60 / scale
    print(json.dumps({
        "invoices": args.invoices, "written": written, "scale_time": scale,
        "posts": posts, "minimum_posts": minimum, "ratio": round(posts / minimum, 3),
        "client_retries": client.calls.retries, "client_calls": client.calls.as_dict(),
        "peak_in_flight": client.budget.peak_in_flight,
        "seconds": round(elapsed, 2), "floor_seconds": round(floor, 2),
        "over_floor": round(elapsed / floor, 3) if floor else None,
        "rerun_posts": rerun_posts,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
