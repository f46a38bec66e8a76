"""The sync log: what happened to each record in each run, kept and queryable."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, now_utc, utc
from concord.ledger.rows import LOG_ACTIONS, LOG_OUTCOMES, SyncLogRow
from concord.ledger.schema import sync_log

_FIELDS = (
    "run_id", "sync", "partition", "system", "obj", "record_key", "action", "outcome",
    "error", "at",
)


class SyncLogStore(LedgerBase):
    def log(self, rows: Iterable[SyncLogRow]) -> None:
        now = now_utc()
        params = []
        for row in rows:
            if row.action not in LOG_ACTIONS:
                raise ValueError(f"sync log action {row.action!r} is not one of {LOG_ACTIONS}")
            if row.outcome not in LOG_OUTCOMES:
                raise ValueError(f"sync log outcome {row.outcome!r} is not one of {LOG_OUTCOMES}")
            values = {f: getattr(row, f) for f in _FIELDS}
            values["at"] = utc(row.at, "at") if row.at is not None else now
            params.append(values)
        if not params:
            return
        with self._write() as conn:
            self._insert_many(conn, sa.insert(sync_log), params)

    def sync_log(
        self,
        *,
        run_id: str | None = None,
        sync: str | None = None,
        outcome: str | None = None,
        system: str | None = None,
        obj: str | None = None,
        record_key: str | None = None,
    ) -> list[SyncLogRow]:
        """Rows in the order they were logged, filtered by whatever is given."""
        query = sa.select(*(sync_log.c[f] for f in _FIELDS)).order_by(sync_log.c.id)
        for name, value in (
            ("run_id", run_id), ("sync", sync), ("outcome", outcome),
            ("system", system), ("obj", obj), ("record_key", record_key),
        ):
            if value is not None:
                query = query.where(sync_log.c[name] == value)
        with self._read() as conn:
            return [SyncLogRow(*row) for row in conn.execute(query)]

    def log_counts(self, run_id: str, sync: str | None = None) -> dict[str, int]:
        """'action/outcome' -> rows, e.g. {'create/ok': 120, 'update/failed': 2}."""
        query = (
            sa.select(sync_log.c.action, sync_log.c.outcome, sa.func.count())
            .where(sync_log.c.run_id == run_id)
            .group_by(sync_log.c.action, sync_log.c.outcome)
        )
        if sync is not None:
            query = query.where(sync_log.c.sync == sync)
        with self._read() as conn:
            return {f"{a}/{o}": n for a, o, n in conn.execute(query)}
