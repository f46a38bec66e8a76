"""Deterministic dedupe over N synthetic standardised companies, with the shipped spec's
company tiers (VAT id, trade register + country, normalised name + country).

    python -m bench.dedupe [--companies 1000000] [--duplicates 0.03] [--seed 1]

Prints one JSON object: records, clusters, seconds in `find_clusters`, records/s, and the
peak RSS of the process (the records included, so a baseline without the dedupe is
printed too).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import UTC, datetime

from assets.sync import MAPPINGS
from concord.dedupe import find_clusters
from concord.model import StandardRecord
from concord.spec import load_sync_spec

LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Hofmann", "Zimmermann")
TRADE = ("Bau", "Dachdeckerei", "Mietservice", "Baumaschinen", "Logistik", "Elektro")
FORMS = ("GmbH", "G.m.b.H.", "GmbH & Co. KG", "AG", "e.K.", "Ltd", "S.A.R.L.")
T = datetime(2026, 10, 1, tzinfo=UTC)


def companies(n: int, share: float, seed: int) -> list[StandardRecord]:
    """`share` of them re-render an earlier company (another legal form, a VAT id or a
    register number sometimes missing), the way the sandbox platform's duplicates do."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        j = rng.randrange(i) if i > 10 and rng.random() < share else i
        same = random.Random(j)
        name = f"{same.choice(LAST)} {same.choice(TRADE)} {j}"
        out.append(StandardRecord(str(i + 1), T, False, {
            "Name": f"{name} {rng.choice(FORMS)}",
            "BillingCountry": same.choice(("DE", "AT", "CH")),
            "VAT_Id__c": f"DE{100000000 + j}" if rng.random() < 0.8 else None,
            "Trade_Register__c": f"HRB {j}" if rng.random() < 0.6 else None}))
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--companies", type=int, default=1_000_000)
    ap.add_argument("--duplicates", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rules = load_sync_spec(MAPPINGS / "crm_accounts.yaml").objects["companies"].dedupe
    records = companies(args.companies, args.duplicates, args.seed)
    before = _rss_mb()
    started = time.perf_counter()
    clusters = find_clusters(records, rules, prefix="bench.companies")
    seconds = time.perf_counter() - started
    print(json.dumps({
        "records": len(records), "clusters": len(clusters),
        "members": sum(len(c.members) for c in clusters),
        "seconds": round(seconds, 2), "records_per_second": round(len(records) / seconds),
        "peak_rss_mb": round(_rss_mb()), "rss_with_records_only_mb": round(before),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
