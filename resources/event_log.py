"""Dagster's SQLite event log with its connections kept open: same files, written faster.

A range run of the sync (the initial load over ~115 daily partitions) records one
materialization, and one planned materialization, per partition of each of its 16 step
assets: ~3,700 events. Dagster's `SqliteEventLogStorage` opens a new engine for every
event (twice for asset events: the run's shard and the index shard), so each statement is
compiled afresh and every commit waits for an fsync; that was ~20 ms an event, more than
half of the initial load at 20,000 companies.

This subclass keeps one engine per shard (a few run shards, least recently used first
out), stores a batch of asset events (Dagster batches them when DAGSTER_EVENT_BATCH_SIZE
is set) in one transaction, with their tags in one statement and each asset's
`asset_keys` row written once with what the batch's events leave in it (the stock storage
serialises and upserts it per event, and asks SQLite for the tags table's existence per
event: together half of the event log's time in a load), and runs with
`synchronous=NORMAL` (WAL makes that safe against corruption; a power cut may lose the
last events, never the file). The file layout and schema are Dagster's own, so `dagster
dev`, the daemon and anything reading the instance with the stock storage see exactly the
same history.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import AssetKeyTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import StaticPool

OPEN_RUN_SHARDS = 4
"""Run shards kept open besides the index: a process writes to one run at a time."""


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that reuses one connection per shard (see the module doc)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,  # one connection; _db_lock serialises its users
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            sa.event.listen(engine, "connect", _tune)
            self._engines[shard] = engine
            run_shards = [s for s in self._engines if s != INDEX_SHARD_NAME]
            for old in run_shards[:-OPEN_RUN_SHARDS]:
                self._engines.pop(old).dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Whether the index shard has this table; a table once there stays until a wipe."""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """A batch of one run's asset events (a range's per-partition materializations, or
        the run's planned materializations) in one transaction per shard, each event
        stored exactly as `store_event` stores it; other events one by one, in order."""
        plain: list[EventLogEntry] = []
        for event in events:
            if _plain_asset_event(event) and (not plain or plain[0].run_id == event.run_id):
                plain.append(event)
                continue
            self._store_plain_asset_events(plain)
            plain = []
            if _plain_asset_event(event):
                plain.append(event)
            else:
                self.store_event(event)
        self._store_plain_asset_events(plain)

    def _store_plain_asset_events(self, events: Sequence[EventLogEntry]) -> None:
        if len(events) < 2:
            for event in events:
                self.store_event(event)
            return
        inserts = [self.prepare_insert_event(e) for e in events]
        with self.run_connection(events[0].run_id) as conn:
            for stmt in inserts:
                conn.execute(stmt)
        with self.index_transaction() as conn:
            event_ids = []
            for stmt in inserts:
                with db_result(conn, stmt) as result:
                    event_ids.append(result.inserted_primary_key[0])
            self._store_asset_event_tags(conn, events, event_ids)
            self._store_asset_entries(conn, events, event_ids)

    def _store_asset_entries(self, conn: sa.Connection, events: Sequence[EventLogEntry],
                             event_ids: Sequence[int]) -> None:
        """Each asset's `asset_keys` row as `_store_asset_event` leaves it after these events
        in order, written once. An event's values overwrite the earlier ones' key by key,
        and a materialization sets every key any other event sets, so only the last
        materialization of an asset (and what follows it) needs to be serialised."""
        with_index_cols = self._has_asset_key_index_cols_on_connection(conn)
        keys = [e.dagster_event.asset_key.to_string()
                if e.dagster_event and e.dagster_event.asset_key else None for e in events]
        last_materialization = {key: i for i, (key, e) in enumerate(zip(keys, events, strict=True))
                                if key and e.get_dagster_event().is_step_materialization}
        rows: dict[str, dict[str, Any]] = {}
        for i, (key, event, event_id) in enumerate(zip(keys, events, event_ids, strict=True)):
            if key is None or last_materialization.get(key, i) > i:
                continue
            rows.setdefault(key, {}).update(
                self._get_asset_entry_values(event, event_id, with_index_cols))
        for key, values in rows.items():
            if not values:
                continue
            try:
                conn.execute(AssetKeyTable.insert().values(asset_key=key, **values))
            except sa.exc.IntegrityError:
                conn.execute(AssetKeyTable.update().values(**values)
                             .where(AssetKeyTable.c.asset_key == key))

    def _close_engines(self) -> None:
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._tables_present.clear()
        self._close_engines()  # wipe unlinks the run shards' files
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


def _plain_asset_event(event: EventLogEntry) -> bool:
    """An asset event that `store_event` mirrors to the index shard and does nothing else with."""
    kind = event.dagster_event_type if event.is_dagster_event else None
    return (kind in ASSET_EVENTS and kind not in ASSET_CHECK_EVENTS
            and kind not in EVENT_TYPE_TO_PIPELINE_RUN_STATUS)


def _tune(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
