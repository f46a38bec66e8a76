"""A data steward for tests: the initial load stops at the duplicate check until someone
decides every cluster (mappings/crm_accounts.yaml: every tier is `review`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from concord.dedupe import record_order
from concord.ledger import Ledger

TRUTH = {"companies": "SELECT company_id, entity_id FROM truth_companies",
         "contacts": "SELECT contact_id, person_id FROM truth_contacts"}


def ground_truth(platform: Path, obj: str) -> dict[str, int]:
    """Platform record key -> the real company / person the row renders (generator's truth)."""
    con = sqlite3.connect(platform)
    try:
        return {str(k): v for k, v in con.execute(TRUTH[obj])}
    finally:
        con.close()


def resolve_open_clusters(ledger_url: str, platform: Path | None = None, *,
                          by: str = "test-steward") -> dict[str, int]:
    """Decide every open cluster: keep its earliest record, or, given the platform, follow
    the generator's ground truth (keep for one real entity, separate otherwise).
    Returns how many of each decision were made."""
    made = {"keep": 0, "separate": 0}
    with Ledger.open(ledger_url) as ledger:
        truth = {obj: ground_truth(platform, obj) for obj in TRUTH} if platform else None
        for c in ledger.clusters(status="open"):
            keys = sorted((m.record_key for m in c.members), key=record_order)
            obj = c.members[0].obj
            if truth is not None and len({truth[obj][k] for k in keys}) > 1:
                ledger.decide(c.cluster_id, separate=True, decided_by=by)
                made["separate"] += 1
            else:
                ledger.decide(c.cluster_id, keep=keys[0], decided_by=by)
                made["keep"] += 1
    return made
