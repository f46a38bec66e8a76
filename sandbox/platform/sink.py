"""Buffered inserts, the edit-history feed and the dirt log the generators write into.

Rows stream into SQLite in chunks (executemany), so memory stays flat at any scale.
Edit-history rows are staged with their UTC instant and re-inserted in time order at
the end: the platform's change feed is read by id, and ids must follow time as they
would in a live system.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sandbox.platform.clock import PlatformClock
from sandbox.platform.dirt import KINDS

CHUNK = 20_000


class TableSink:
    def __init__(self, conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
        self.conn = conn
        self.sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})")
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.conn.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


class DirtLog:
    """One `dirt` row per injected defect, counted per kind for the report."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.sink = TableSink(conn, "dirt", ("table_name", "record_id", "field", "kind"))
        self.counts: Counter[str] = Counter()

    def add(self, kind: str, record_id: int) -> None:
        spec = KINDS[kind]
        self.sink.add((spec.table, record_id, spec.field, kind))
        self.counts[kind] += 1


class EditLog:
    """The platform's Edit History (seeds/003): 'created', one row per changed field, 'deleted'."""

    COLUMNS = ("table_name", "record_id", "field", "old_value", "new_value", "changed_at",
               "changed_by", "action")

    def __init__(self, conn: sqlite3.Connection, clock: PlatformClock) -> None:
        self.clock = clock
        self.sink = TableSink(conn, "stage.edit_staging", ("sort_key", "seq", *self.COLUMNS))
        self.seq = 0

    def add(self, table: str, record_id: int, epoch: int, field: str | None,
            old: str | None, new: str | None, by: str, action: str) -> None:
        self.seq += 1
        self.sink.add((epoch, self.seq, table, record_id, field, old, new,
                       self.clock.local_text(epoch), by, action))

    @staticmethod
    def publish(conn: sqlite3.Connection) -> None:
        """Move the staged feed into edit_history in time order (ids follow time)."""
        cols = ", ".join(EditLog.COLUMNS)
        conn.execute(f"INSERT INTO edit_history ({cols}) SELECT {cols} "
                     "FROM stage.edit_staging ORDER BY sort_key, seq")
