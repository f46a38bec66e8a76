"""High-water marks per sync/system/object: where the next incremental extract starts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, now_utc, utc
from concord.ledger.schema import cursors


class CursorStore(LedgerBase):
    def get_cursor(self, sync: str, system: str, obj: str) -> datetime | None:
        query = sa.select(cursors.c.high_water).where(
            cursors.c.sync == sync, cursors.c.system == system, cursors.c.obj == obj
        )
        with self._read() as conn:
            return conn.execute(query).scalar_one_or_none()

    def set_cursor(
        self, sync: str, system: str, obj: str, high_water: datetime, *, force: bool = False
    ) -> None:
        """Advance the mark; an older value is ignored so a re-run of an old partition
        cannot rewind the incremental path (force=True rewinds on purpose)."""
        high_water = utc(high_water, "high_water")
        stmt = self._insert(cursors).values(
            sync=sync, system=system, obj=obj, high_water=high_water, updated_at=now_utc()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["sync", "system", "obj"],
            set_={"high_water": stmt.excluded.high_water, "updated_at": stmt.excluded.updated_at},
            where=None if force else stmt.excluded.high_water > cursors.c.high_water,
        )
        with self._write() as conn:
            conn.execute(stmt)

    def cursors(self, sync: str | None = None) -> dict[tuple[str, str, str], datetime]:
        """Every mark, keyed (sync, system, obj): for the UI and for operators."""
        query = sa.select(cursors.c.sync, cursors.c.system, cursors.c.obj, cursors.c.high_water)
        if sync is not None:
            query = query.where(cursors.c.sync == sync)
        with self._read() as conn:
            return {(r.sync, r.system, r.obj): r.high_water for r in conn.execute(query)}
