"""What every table generator shares: the seeded RNG, the clock, the sinks and the logs.

One `random.Random(seed)` drives everything in one fixed order, which is what makes a
seed reproduce the database exactly. `write_history` turns a record's life (created,
edited, maybe deleted) into Edit History rows and gives back the timestamps the record
itself must carry, so `updated_at` always equals the newest edit.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.platform.clock import PlatformClock
from sandbox.platform.draw import pick
from sandbox.platform.sink import DirtLog, EditLog, TableSink

# Number of later edits a record receives, as cumulative thresholds.
_EDIT_THRESHOLDS = ((0.68, 0), (0.88, 1), (0.96, 2), (1.01, 3))

Editor = Callable[[random.Random, Any], Any]  # current value -> the value before the edit


@dataclass
class Lifetime:
    created: int
    updated: int
    deleted: int | None


@dataclass
class Context:
    rng: random.Random
    clock: PlatformClock
    conn: sqlite3.Connection
    dirt: DirtLog
    edits: EditLog
    operators: tuple[str, ...]
    sinks: dict[str, TableSink] = field(default_factory=dict)

    def sink(self, table: str) -> TableSink:
        return self.sinks[table]

    def pick_edit_count(self) -> int:
        u = self.rng.random()
        for limit, n in _EDIT_THRESHOLDS:
            if u < limit:
                return n
        return 0

    def write_history(self, table: str, record_id: int, created_frac: float,
                      final: dict[str, Any], editors: Callable[[], dict[str, Editor]],
                      deleted: bool = False) -> Lifetime:
        """Edit History for one record; `final` holds the record's current editable values.

        `editors` is called only for records that were edited (most are not), since
        building per-record closures for every row costs real time at a million rows.
        """
        rng = self.rng
        clock = self.clock
        created = clock.at(created_frac)
        self.edits.add(table, record_id, created, None, None, None,
                       pick(rng, self.operators), "created")
        n = self.pick_edit_count()
        if not n and not deleted:
            return Lifetime(created, created, None)
        span = 1.0 - created_frac
        fracs = sorted(created_frac + rng.random() * span for _ in range(n + deleted))
        epochs = [max(created, clock.at(f)) for f in fracs]
        updated = epochs[-1] if epochs else created
        deleted_at = epochs.pop() if deleted else None
        current = dict(final)
        field_editors = editors()
        names = list(field_editors)
        for epoch in reversed(epochs):  # newest first: walk each field back in time
            by = pick(rng, self.operators)
            chosen = rng.sample(names, min(len(names), 1 + (rng.random() < 0.3)))
            written = 0
            for group in (chosen, names):  # fall back to any field that can change
                for name in group:
                    new = current[name]
                    old = field_editors[name](rng, new)
                    if old == new:
                        continue
                    self.edits.add(table, record_id, epoch, name, _text(old), _text(new), by,
                                   "updated")
                    current[name] = old
                    written += 1
                if written:
                    break
            if not written:  # nothing could change: the old system still logs the save
                self.edits.add(table, record_id, epoch, names[0], _text(current[names[0]]),
                               _text(current[names[0]]), by, "updated")
        if deleted_at is not None:  # staged last: on a tie in time it still sorts last
            self.edits.add(table, record_id, deleted_at, "deleted_at", None,
                           clock.local_text(deleted_at), pick(rng, self.operators), "deleted")
        return Lifetime(created, updated, deleted_at)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
