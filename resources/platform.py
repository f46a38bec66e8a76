"""The company's own platform database (the sandbox platform is a SQLite file of it)."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import sqlalchemy as sa

from concord.model import SourceRecord
from concord.normalise.timestamps import to_local_naive, to_utc
from concord.spec.model import SourceSpec


def _ident(name: str) -> str:
    """Quote a spec-supplied identifier; specs are config, but config is input too."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"invalid identifier in spec: {name!r}")
    return f'"{name}"'


def _select(source: SourceSpec) -> str:
    """SELECT the source table with its lookups joined (no WHERE)."""
    t = _ident(source.table)
    cols = [f"{t}.*"]
    joins = []
    for i, (alias, lk) in enumerate(sorted(source.lookups.items())):
        j = f"lk{i}"
        cols.append(f"{j}.{_ident(lk.column)} AS {_ident(alias)}")
        joins.append(
            f"LEFT JOIN {_ident(lk.table)} {j} ON {j}.{_ident(lk.target_key)} = {t}.{_ident(lk.key)}"
        )
    return f"SELECT {', '.join(cols)} FROM {t} {' '.join(joins)}"


def source_query(source: SourceSpec) -> str:
    """The rows of a half-open modification window (`:start`, `:end`).

    The platform stores naive local time as sortable text, so the window bounds are
    rendered the same way and compared as strings.
    """
    t = _ident(source.table)
    mod = f"{t}.{_ident(source.modified_at)}"
    return (f"{_select(source)} WHERE {mod} >= :start AND {mod} < :end "
            f"ORDER BY {t}.{_ident(source.key)}")


def rows_query(source: SourceSpec) -> str:
    """The rows of given keys (`:keys`, expanding)."""
    return f"{_select(source)} WHERE {_ident(source.table)}.{_ident(source.key)} IN :keys"


class PlatformDatabase(dg.ConfigurableResource):
    """Read access to the platform's tables; URL from CONCORD_PLATFORM_URL."""

    url: str
    timezone: str = "Europe/Berlin"

    def extract(self, source: SourceSpec, start: datetime, end: datetime) -> list[SourceRecord]:
        """Rows modified in [start, end), with their modification time made UTC-aware."""
        engine = sa.create_engine(self.url)
        params = {"start": to_local_naive(start, self.timezone),
                  "end": to_local_naive(end, self.timezone)}
        out: list[SourceRecord] = []
        try:
            with engine.connect() as conn:
                result = conn.execute(sa.text(source_query(source)), params)
                columns = list(result.keys())
                for row in result:  # plain rows: a RowMapping per row cost a third of this
                    values = dict(zip(columns, row, strict=True))
                    deleted = bool(source.deleted_at and values.get(source.deleted_at))
                    out.append(SourceRecord(
                        key=str(values[source.key]),
                        modified_at=to_utc(values[source.modified_at], local_tz=self.timezone),
                        deleted=deleted,
                        values=values,
                    ))
        finally:
            engine.dispose()
        return out

    def rows(self, source: SourceSpec, keys: list[str]) -> dict[str, dict]:
        """The rows (with their lookups) of these keys, as stored: for records changed only
        on the other side, whose platform row is outside the run's window."""
        out: dict[str, dict] = {}
        if not keys:
            return out
        engine = sa.create_engine(self.url)
        stmt = sa.text(rows_query(source)).bindparams(sa.bindparam("keys", expanding=True))
        try:
            with engine.connect() as conn:
                for start in range(0, len(keys), 500):
                    chunk = [int(k) if k.isdigit() else k for k in keys[start:start + 500]]
                    for row in conn.execute(stmt, {"keys": chunk}).mappings():
                        out[str(row[source.key])] = dict(row)
        finally:
            engine.dispose()
        return out

    def latest_change_id(self, tables: list[str]) -> int | None:
        """The newest edit-history id for these tables: the platform's own change feed,
        without Concord's own write-backs (they must not wake another run)."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                stmt = sa.text("SELECT MAX(id) FROM edit_history WHERE table_name IN :tables "
                               "AND (changed_by IS NULL OR changed_by <> 'concord')")
                stmt = stmt.bindparams(sa.bindparam("tables", expanding=True))
                return conn.execute(stmt, {"tables": list(tables)}).scalar()
        finally:
            engine.dispose()
