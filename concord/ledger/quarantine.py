"""Quarantine: input that broke a rule, kept with the rule and payload until it passes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, chunked, now_utc, unique
from concord.ledger.rows import QuarantineRow
from concord.ledger.schema import quarantine

_KEY = ("sync", "obj", "record_key", "rule")
_FIELDS = (
    "sync", "obj", "record_key", "rule", "field", "message", "payload", "run_id",
    "partition", "status", "first_seen", "last_seen",
)


def _row(r: Any) -> QuarantineRow:
    return QuarantineRow(**{f: getattr(r, f) for f in _FIELDS})


class QuarantineStore(LedgerBase):
    def quarantine(self, rows: Iterable[QuarantineRow]) -> None:
        """Upsert on (sync, obj, record_key, rule).

        A row seen again keeps `first_seen` (how long it has been broken), takes the new
        message, payload, run and `last_seen`, and is open again even if it was released.
        """
        latest = {tuple(getattr(r, k) for k in _KEY): r for r in rows}
        if not latest:
            return
        now = now_utc()
        params = [
            {
                "sync": r.sync, "obj": r.obj, "record_key": r.record_key, "rule": r.rule,
                "field": r.field, "message": r.message, "payload": r.payload,
                "run_id": r.run_id, "partition": r.partition, "status": "open",
                "first_seen": now, "last_seen": now, "released_at": None,
            }
            for r in latest.values()
        ]
        stmt = self._upsert(
            quarantine, _KEY,
            ["field", "message", "payload", "run_id", "partition", "status", "last_seen",
             "released_at"],
        )
        with self._write() as conn:
            self._insert_many(conn, stmt, params)

    def open_quarantine(self, sync: str | None = None) -> list[QuarantineRow]:
        query = (
            sa.select(quarantine)
            .where(quarantine.c.status == "open")
            .order_by(*(quarantine.c[k] for k in _KEY))
        )
        if sync is not None:
            query = query.where(quarantine.c.sync == sync)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def release_quarantine(self, sync: str, obj: str, record_keys: Iterable[str]) -> int:
        """The records now pass every rule: close all their open rows; returns rows closed.

        The open rows' keys are read first and only those among `record_keys` updated: a
        load passes every valid record (hundreds of thousands), few of them were ever held.
        """
        open_keys = sa.select(quarantine.c.record_key).distinct().where(
            quarantine.c.sync == sync, quarantine.c.obj == obj, quarantine.c.status == "open")
        with self._read() as conn:
            held = set(conn.execute(open_keys).scalars())
        keys = [k for k in unique(record_keys) if k in held]
        if not keys:
            return 0
        stmt = (
            sa.update(quarantine)
            .where(
                quarantine.c.sync == sync, quarantine.c.obj == obj,
                quarantine.c.status == "open",
                quarantine.c.record_key.in_(sa.bindparam("keys", expanding=True)),
            )
            .values(status="released", released_at=now_utc())
        )
        released = 0
        with self._write() as conn:
            for part in chunked(keys):
                released += conn.execute(stmt, {"keys": list(part)}).rowcount
        return released
