"""The outbox: every intended write with its idempotency key and where it got to.

A write is the unit a call applies: one record of an sObject Collections call, or a
whole Bulk API job (an initial load's 200,000 creates are one entry; what became of each
record is in the sync log, stored with the job's confirmation).

pending -> sent -> confirmed is the happy path. `uncertain` means the call may have
been applied (timeout, reset after sending, a crash before its bookkeeping): read the
target back before any retry. The apply step's writes read back as they retry: creates
upsert on Concord's external id and updates and deletes go by Id, so sending one again
finds what the first attempt did instead of doing it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, now_utc, unique
from concord.ledger.errors import LedgerError
from concord.ledger.rows import OUTBOX_STATES, OutboxEntry
from concord.ledger.schema import outbox

_FIELDS = (
    "idempotency_key", "sync", "system", "obj", "record_key", "operation", "payload_hash",
    "state", "attempts", "target_id", "error", "run_id", "created_at", "updated_at",
)
_ATTEMPT_ENDS = ("confirmed", "failed", "uncertain")


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(**{f: getattr(row, f) for f in _FIELDS})


def _entry_of(values: dict[str, Any]) -> OutboxEntry:
    return OutboxEntry(**{f: values[f] for f in _FIELDS})


def _check_state(state: str) -> None:
    if state not in OUTBOX_STATES:
        raise ValueError(f"outbox state {state!r} is not one of {', '.join(OUTBOX_STATES)}")


class OutboxStore(LedgerBase):
    def enqueue(self, entries: Iterable[OutboxEntry]) -> dict[str, OutboxEntry]:
        """Insert new keys, keep existing ones; return what is stored for every key.

        A retry of a run therefore sees the earlier attempt's state ('sent', 'uncertain',
        'confirmed') instead of a fresh 'pending', and must not write blindly.
        """
        first: dict[str, OutboxEntry] = {}
        for e in entries:
            _check_state(e.state)
            first.setdefault(e.idempotency_key, e)
        if not first:
            return {}
        now = now_utc()
        rows = [
            {
                **{f: getattr(e, f) for f in _FIELDS},
                "created_at": e.created_at or now, "updated_at": now,
            }
            for e in first.values()
        ]
        stmt = self._insert(outbox).on_conflict_do_nothing(index_elements=["idempotency_key"])
        with self._write() as conn:
            self._insert_many(conn, stmt, rows)
            return self._entries(conn, list(first))

    def send(self, entries: Iterable[OutboxEntry]) -> None:
        """These writes go out now: new keys are stored as 'sent' with one attempt, known
        ones (a retry) move to 'sent' with one attempt more, under this run. One statement for what
        enqueue + mark('sent') do in two, with the same result."""
        first: dict[str, OutboxEntry] = {}
        for e in entries:
            first.setdefault(e.idempotency_key, e)
        if not first:
            return
        now = now_utc()
        rows = [{**{f: getattr(e, f) for f in _FIELDS}, "state": "sent", "attempts": 1,
                 "error": None, "created_at": e.created_at or now, "updated_at": now}
                for e in first.values()]
        stmt = self._insert(outbox)
        stmt = stmt.on_conflict_do_update(index_elements=["idempotency_key"], set_={
            "state": stmt.excluded.state,
            "attempts": outbox.c.attempts + sa.literal_column("1"),
            "error": sa.null(),
            "run_id": stmt.excluded.run_id,  # the run of the latest attempt
            "updated_at": stmt.excluded.updated_at,
        })
        with self._write() as conn:
            self._insert_many(conn, stmt, rows)

    def get_outbox(self, keys: Iterable[str]) -> dict[str, OutboxEntry]:
        with self._read() as conn:
            return self._entries(conn, unique(keys))

    def _entries(self, conn: sa.Connection, keys: list[str]) -> dict[str, OutboxEntry]:
        found = {row["idempotency_key"]: _entry_of(row)
                 for row in self._select_rows_in(conn, outbox, outbox.c.idempotency_key, keys)}
        return {k: found[k] for k in keys if k in found}

    def _stored_keys(self, conn: sa.Connection, keys: list[str]) -> set[str]:
        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(outbox.c.idempotency_key).where(wanted)

        return {k for (k,) in self._select_in(conn, build, outbox.c.idempotency_key, {}, keys)}

    def mark(
        self,
        keys: Iterable[str],
        state: str,
        *,
        target_ids: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        """Move entries to `state`. `attempts` counts calls that went out: it grows on
        every mark to 'sent', and on a mark straight from 'pending' to an outcome.
        A target id or error not given for a key leaves the stored one; moving to
        pending, sent or confirmed clears the error."""
        _check_state(state)
        keys = unique(keys)
        if not keys:
            return
        target_ids = target_ids or {}
        errors = errors or {}
        if state == "sent":
            bump: Any = sa.literal(1)
        elif state in _ATTEMPT_ENDS:
            bump = sa.case((outbox.c.state == "pending", 1), else_=0)
        else:
            bump = sa.literal(0)
        clears_error = state in ("pending", "sent", "confirmed")
        now = now_utc()

        def values(row: Mapping[str, Any]) -> dict[str, Any]:
            return {
                "state": state,
                "attempts": outbox.c.attempts + bump,
                "target_id": sa.func.coalesce(row["target_id"], outbox.c.target_id),
                "error": sa.case((row["keep_error"] == 1, outbox.c.error), else_=row["error"]),
                "updated_at": sa.literal(now, type_=outbox.c.updated_at.type),
            }

        fields = {"key": sa.String(), "target_id": sa.String(), "keep_error": sa.Integer(),
                  "error": sa.Text()}
        rows = [
            {
                "key": k,
                "target_id": target_ids.get(k),
                "keep_error": int(k not in errors and not clears_error),
                "error": errors.get(k),
            }
            for k in keys
        ]
        with self._write() as conn:
            if self._update_rows(conn, outbox.c.idempotency_key, fields, values, rows) != len(keys):
                stored = self._stored_keys(conn, keys)
                missing = [k for k in keys if k not in stored]
                if missing:  # the transaction rolls back: nothing is half-marked
                    raise LedgerError(
                        f"outbox has no entry for {len(missing)} key(s), e.g. {missing[0]}"
                    )

    def outbox(
        self,
        *,
        sync: str | None = None,
        system: str | None = None,
        states: Iterable[str] | None = None,
    ) -> list[OutboxEntry]:
        query = sa.select(outbox).order_by(outbox.c.created_at, outbox.c.idempotency_key)
        if sync is not None:
            query = query.where(outbox.c.sync == sync)
        if system is not None:
            query = query.where(outbox.c.system == system)
        if states is not None:
            wanted = list(states)
            for s in wanted:
                _check_state(s)
            query = query.where(outbox.c.state.in_(wanted))
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(query)]
