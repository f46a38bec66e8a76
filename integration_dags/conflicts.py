"""`concord conflicts`: field conflicts of the two-way sync, read from and decided in the ledger.

A conflict is a field both systems changed since they last agreed. Under `leader_wins` the
sync settled it by the spec and it is listed with `--all` as history; under `review` it is
held (neither side written) until a steward picks the value here. The decision is applied
by the next run of the record's partition, which writes it to the other side.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any

from concord.ledger import Ledger
from concord.ledger.baselines import ConflictRow, UnknownConflict
from integration_dags.stewardship import ledger_url

COLUMNS = ("id", "sync", "obj", "golden_id", "field", "kind", "platform", "salesforce",
           "status", "resolution")


def _view(c: ConflictRow) -> dict[str, Any]:
    return {"id": c.id, "sync": c.sync, "obj": c.obj, "golden_id": c.golden_id,
            "source_key": c.source_key, "target_id": c.target_id, "field": c.field,
            "kind": c.kind, "leader": c.leader, "rule": c.rule, "baseline": c.baseline,
            "platform": c.platform, "salesforce": c.salesforce, "status": c.status,
            "resolution": c.decision or c.resolution, "resolved_by": c.resolved_by,
            "detected_at": c.detected_at.isoformat(),
            "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None}


def list_conflicts(*, include_resolved: bool, as_json: bool) -> int:
    with Ledger.open(ledger_url()) as led:
        rows = [_view(c) for c in led.list_conflicts(None if include_resolved else "open")]
    if as_json:
        print(json.dumps({"conflicts": rows}, default=str, sort_keys=True))
        return 0
    if not rows:
        print("no open field conflicts" if not include_resolved else "no field conflicts")
        return 0
    print("  ".join(COLUMNS))
    for r in rows:
        print("  ".join(str(r[c]) if r[c] is not None else "-" for c in COLUMNS))
    held = sum(1 for r in rows if r["status"] == "open")
    if held:
        print(f"\n{held} held: concord conflicts resolve ID --winner platform|salesforce, "
              "then re-run the sync")
    return 0


def resolve_conflict(conflict_id: int, *, winner: str, by: str | None) -> int:
    who = by or getpass.getuser()
    try:
        with Ledger.open(ledger_url()) as led:
            row = led.resolve_conflict(conflict_id, winner=winner, resolved_by=who)
    except (UnknownConflict, ValueError) as exc:
        print(f"concord conflicts resolve: {exc}", file=sys.stderr)
        return 2
    print(f"conflict {row.id} ({row.obj} {row.golden_id} {row.field}): {winner} wins, "
          f"decided by {who}; the next run writes it to the other side")
    return 0
