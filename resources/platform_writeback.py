"""Writing Salesforce-led field values back to the platform database.

The platform is the company's own system, so Concord writes there the way the platform
itself does: `updated_at` in naive Europe/Berlin wall-clock text, and one `edit_history`
row per changed field (the platform's Edit History), attributed to Concord in
`changed_by`. The near-real-time sensor reads that history; it tells Concord's own rows
apart by `changed_by` and must skip them, or every write-back would trigger a run.

Each batch is one transaction that reads the rows, then writes only the columns whose
stored text differs: writing the same values twice changes nothing (no update, no
history row, `updated_at` untouched). An update may carry the values the diff read
(`expected`): if a user changed the row since, it is not written (`moved`) and the next
sync sees the user's edit as a change of its own (flows, or is a conflict) instead of
Concord silently overwriting it. SQLAlchemy Core: SQLite by default, PostgreSQL by URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import sqlalchemy as sa
from sqlalchemy import event

from concord.normalise.timestamps import to_local_naive
from concord.ownership import RecordDiff

CONCORD_EDITOR = "concord"
BATCH = 500


@dataclass(frozen=True)
class PlatformUpdate:
    """New text for some columns of one platform row (`key`: its key column's value)."""

    key: str
    values: Mapping[str, str | None]
    expected: Mapping[str, Any] | None = None  # those columns as read; None: write anyway


@dataclass
class WritebackResult:
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)   # already held these values
    missing: list[str] = field(default_factory=list)     # no such row, or deleted
    moved: list[str] = field(default_factory=list)       # edited since read: left for next run
    fields_written: int = 0
    history_rows: int = 0

    def counts(self) -> dict[str, int]:
        return {"updated": len(self.updated), "unchanged": len(self.unchanged),
                "missing": len(self.missing), "moved": len(self.moved),
                "fields_written": self.fields_written, "history_rows": self.history_rows}


def updates_from_diffs(diffs: Iterable[RecordDiff]) -> list[PlatformUpdate]:
    """The platform side of a three-way diff, as compare-and-set updates."""
    return [PlatformUpdate(d.source_key, d.to_platform, d.platform_before or None)
            for d in diffs if d.to_platform]


def _text(value: Any) -> str | None:
    """Platform values compare as the text the platform stores ('' is no value)."""
    if value is None or value == "":
        return None
    return str(value)


class PlatformWriter:
    """Compare-and-set updates of platform rows with Edit History, one transaction a batch."""

    def __init__(self, url: str | sa.URL, *, timezone: str = "Europe/Berlin",
                 editor: str = CONCORD_EDITOR, history_table: str | None = "edit_history",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = sa.create_engine(url)
        self.timezone = timezone
        self.editor = editor
        self.history_table = history_table
        self.clock = clock or (lambda: datetime.now(UTC))
        if self.engine.dialect.name == "sqlite":
            _begin_immediate(self.engine)
        self._tables: dict[str, sa.Table] = {}
        self._metadata = sa.MetaData()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> PlatformWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _table(self, name: str) -> sa.Table:
        if name not in self._tables:
            self._tables[name] = sa.Table(name, self._metadata, autoload_with=self.engine)
        return self._tables[name]

    def apply(self, table: str, updates: Sequence[PlatformUpdate], *, key_column: str = "id",
              modified_column: str | None = "updated_at",
              deleted_column: str | None = "deleted_at") -> WritebackResult:
        t = self._table(table)
        for col in {c for u in updates for c in (*u.values, *(u.expected or {}))} | {key_column}:
            if col not in t.c:
                raise ValueError(f"platform table {table} has no column {col!r}")
        if modified_column is not None and modified_column not in t.c:
            modified_column = None
        if deleted_column is not None and deleted_column not in t.c:
            deleted_column = None
        history = self._table(self.history_table) if self.history_table else None
        result = WritebackResult()
        key_col = t.c[key_column]
        to_key = int if key_col.type.python_type is int else str
        for start in range(0, len(updates), BATCH):
            batch = updates[start:start + BATCH]
            with self._transaction() as conn:
                self._apply_batch(conn, t, history, key_col, to_key, batch, modified_column,
                                  deleted_column, result)
        return result

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                conn.info["begin"] = "IMMEDIATE"  # hold the write lock from the read on
            with conn.begin():
                yield conn

    def _apply_batch(self, conn: sa.Connection, t: sa.Table, history: sa.Table | None,
                     key_col: sa.Column[Any], to_key: Callable[[str], Any],
                     batch: Sequence[PlatformUpdate], modified_column: str | None,
                     deleted_column: str | None, result: WritebackResult) -> None:
        columns = sorted({c for u in batch for c in (*u.values, *(u.expected or {}))})
        wanted = [key_col, *(t.c[c] for c in columns)]
        if deleted_column:
            wanted.append(t.c[deleted_column].label("_deleted"))
        query = sa.select(*wanted).where(key_col.in_([to_key(u.key) for u in batch]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        current = {str(r[0]): r._mapping for r in conn.execute(query)}
        now = self.clock()
        stamp = to_local_naive(now, self.timezone)
        history_rows: list[dict[str, Any]] = []
        for u in batch:
            row = current.get(str(to_key(u.key)))
            if row is None or (deleted_column and row["_deleted"]):
                result.missing.append(u.key)
                continue
            if u.expected and any(_text(row[c]) != _text(v) for c, v in u.expected.items()):
                result.moved.append(u.key)
                continue
            changed = {c: v for c, v in u.values.items() if _text(row[c]) != _text(v)}
            if not changed:
                result.unchanged.append(u.key)
                continue
            values: dict[str, Any] = dict(changed)
            if modified_column:
                values[modified_column] = stamp
            conn.execute(sa.update(t).where(key_col == to_key(u.key)).values(**values))
            result.updated.append(u.key)
            result.fields_written += len(changed)
            history_rows.extend(
                {"table_name": t.name, "record_id": to_key(u.key), "field": c,
                 "old_value": _text(row[c]), "new_value": _text(v), "changed_at": stamp,
                 "changed_by": self.editor, "action": "updated"}
                for c, v in changed.items())
        if history is not None and history_rows:
            conn.execute(sa.insert(history), history_rows)
            result.history_rows += len(history_rows)


def _begin_immediate(engine: sa.Engine) -> None:
    """pysqlite begins a transaction only at the first write; the read that decides what
    to write must be inside it, or a user's edit in between would be overwritten."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql(f"BEGIN {conn.info.pop('begin', 'DEFERRED')}")


class PlatformWriteback(dg.ConfigurableResource):
    """Write access to the platform for Salesforce-led fields; URL from CONCORD_PLATFORM_URL."""

    url: str
    timezone: str = "Europe/Berlin"
    editor: str = CONCORD_EDITOR

    def apply(self, table: str, updates: Sequence[PlatformUpdate], *,
              key_column: str = "id") -> WritebackResult:
        with PlatformWriter(self.url, timezone=self.timezone, editor=self.editor) as writer:
            return writer.apply(table, updates, key_column=key_column)
