"""Cross-references: one golden id per real-world entity, mapped to each system's record id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, now_utc, unique
from concord.ledger.errors import LedgerError
from concord.ledger.rows import XrefLink
from concord.ledger.schema import xref


class XrefStore(LedgerBase):
    def link(self, links: Iterable[XrefLink]) -> None:
        """Upsert on (system, obj, record_id): a record belongs to one golden id at a time.

        When one batch names the same record twice, the last link wins (PostgreSQL
        refuses to update one row twice in a statement).
        """
        latest = {(lk.system, lk.obj, lk.record_id): lk for lk in links}
        if not latest:
            return
        now = now_utc()
        rows = [
            {
                "entity_type": lk.entity_type, "golden_id": lk.golden_id, "system": lk.system,
                "obj": lk.obj, "record_id": lk.record_id, "reason": lk.reason,
                "created_at": now, "updated_at": now,
            }
            for lk in latest.values()
        ]
        stmt = self._upsert(
            xref, ["system", "obj", "record_id"],
            ["entity_type", "golden_id", "reason", "updated_at"],
        )
        with self._write() as conn:
            self._insert_many(conn, stmt, rows)

    def golden_ids(self, system: str, obj: str, record_ids: Iterable[str]) -> dict[str, str]:
        """record_id -> golden_id, only for records already linked."""
        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(xref.c.record_id, xref.c.golden_id).where(
                xref.c.system == sa.bindparam("system"), xref.c.obj == sa.bindparam("obj"),
                wanted,
            )

        with self._read() as conn:
            return dict(self._select_in(
                conn, build, xref.c.record_id, {"system": system, "obj": obj},
                unique(record_ids),
            ))

    def system_ids(self, golden_ids: Iterable[str], system: str, obj: str) -> dict[str, str]:
        """golden_id -> record_id in that system, only where one exists.

        If an entity has several records in one system (duplicates in the target, or
        after merge_golden), the one linked first is returned: it is the record the
        sync created or adopted and keeps writing to.
        """
        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return (
                sa.select(xref.c.golden_id, xref.c.record_id)
                .where(
                    xref.c.system == sa.bindparam("system"), xref.c.obj == sa.bindparam("obj"),
                    wanted,
                )
                .order_by(xref.c.id.desc())  # later rows win below: the first link stays
            )

        with self._read() as conn:
            return dict(self._select_in(
                conn, build, xref.c.golden_id, {"system": system, "obj": obj},
                unique(golden_ids),
            ))

    def links(self, golden_id: str) -> list[XrefLink]:
        """Every system record of one entity, oldest link first."""
        query = sa.select(xref).where(xref.c.golden_id == golden_id).order_by(xref.c.id)
        with self._read() as conn:
            return [
                XrefLink(r.entity_type, r.golden_id, r.system, r.obj, r.record_id, r.reason)
                for r in conn.execute(query)
            ]

    def merge_golden(self, loser: str, winner: str) -> int:
        """Repoint every record of `loser` to `winner` (a steward merged two entities)."""
        if loser == winner:
            return 0
        types = sa.select(xref.c.golden_id, xref.c.entity_type).where(
            xref.c.golden_id.in_([loser, winner])
        ).distinct()
        with self._write() as conn:
            found = conn.execute(types).all()
            if len({t for _, t in found}) > 1:
                raise LedgerError(
                    f"cannot merge golden ids of different entity types: {sorted(found)}"
                )
            result = conn.execute(
                sa.update(xref)
                .where(xref.c.golden_id == loser)
                .values(golden_id=winner, updated_at=now_utc(), reason=f"merged from {loser}")
            )
            return result.rowcount
