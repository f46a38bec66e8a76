"""What we last wrote or saw per system record: content hashes and target match keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, chunked, now_utc, unique
from concord.ledger.schema import match_keys, record_state


class RecordStateStore(LedgerBase):
    def get_hashes(self, system: str, obj: str, record_ids: Iterable[str]) -> dict[str, str]:
        """record_id -> last content hash, only for records seen before."""
        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(record_state.c.record_id, record_state.c.content_hash).where(
                record_state.c.system == sa.bindparam("system"),
                record_state.c.obj == sa.bindparam("obj"),
                wanted,
            )

        with self._read() as conn:
            return dict(self._select_in(
                conn, build, record_state.c.record_id, {"system": system, "obj": obj},
                unique(record_ids),
            ))

    def put_hashes(self, system: str, obj: str, hashes: Mapping[str, str]) -> None:
        if not hashes:
            return
        now = now_utc()
        rows = [
            {"system": system, "obj": obj, "record_id": rid, "content_hash": h, "updated_at": now}
            for rid, h in hashes.items()
        ]
        stmt = self._upsert(
            record_state, ["system", "obj", "record_id"], ["content_hash", "updated_at"]
        )
        with self._write() as conn:
            self._insert_many(conn, stmt, rows)

    def put_match_keys(
        self, system: str, obj: str, keys: Mapping[str, Mapping[str, str | None]]
    ) -> None:
        """Replace each given record's keys of the names given with the non-None values.

        A key the record no longer has (None) is dropped, so a record whose e-mail changed
        is not found under the old address any more; key names not given are left as they
        are (a partial update names only the fields it sent).
        """
        if not keys:
            return
        rows = []
        gone: dict[str, list[str]] = {}  # key name -> the records that no longer have it
        for rid, names in keys.items():
            for name, value in names.items():
                if value is None:
                    gone.setdefault(name, []).append(rid)
                else:
                    rows.append({"system": system, "obj": obj, "record_id": rid,
                                 "key_name": name, "key_value": value})
        # Kept keys are upserted: a load's new records (nothing stored yet) cost an insert
        # each, with no delete before. Dropped keys go by IN lists, one per key name.
        delete = sa.delete(match_keys).where(
            match_keys.c.system == system, match_keys.c.obj == obj,
            match_keys.c.key_name == sa.bindparam("name"),
            match_keys.c.record_id.in_(sa.bindparam("ids", expanding=True)),
        )
        upsert = self._upsert(match_keys, ["system", "obj", "record_id", "key_name"],
                              ["key_value"])
        with self._write() as conn:
            for name, record_ids in gone.items():
                for part in chunked(record_ids):
                    conn.execute(delete, {"name": name, "ids": list(part)})
            self._insert_many(conn, upsert, rows)

    def find_by_keys(
        self, system: str, obj: str, key_name: str, values: Iterable[str]
    ) -> dict[str, list[str]]:
        """key_value -> sorted record ids having it, only for values found."""
        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(match_keys.c.key_value, match_keys.c.record_id).where(
                match_keys.c.system == sa.bindparam("system"),
                match_keys.c.obj == sa.bindparam("obj"),
                match_keys.c.key_name == sa.bindparam("key_name"),
                wanted,
            )

        out: dict[str, list[str]] = {}
        fixed = {"system": system, "obj": obj, "key_name": key_name}
        with self._read() as conn:
            for value, rid in self._select_in(
                conn, build, match_keys.c.key_value, fixed, unique(values)
            ):
                out.setdefault(value, []).append(rid)
        for rids in out.values():
            rids.sort()
        return out
