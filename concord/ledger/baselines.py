"""Field baselines and field conflicts of the bidirectional sync (revision 0003_field_baselines).

A baseline is the set of field values the platform and a target system agreed on after the
last sync of a golden record; the three-way diff (concord.ownership) tells each side's
edits apart by comparing against it. It is written only after the record's writes are
confirmed, so a failed write is simply seen again next run.

A conflict row records what a steward should see: a field both sides changed (resolved by
the spec's rule, or held `open` for review), an edit overridden because the other system
leads the field, or a Salesforce value the platform cannot take (held). One open row per
record and field: seen again, it is updated, never duplicated. A steward's decision
(`resolve_conflict`) waits as a pending decision until the run that applied it marks it.

`BaselineStore` is a mixin for `Ledger`, like the other stores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, chunked, now_utc, unique
from concord.ledger.errors import LedgerError
from concord.ledger.schema import UTCDateTime, metadata

CONFLICT_KINDS: tuple[str, ...] = ("conflict", "override", "unmappable")
RESOLUTIONS: tuple[str, ...] = ("platform", "salesforce", "held")
CONFLICT_STATUSES: tuple[str, ...] = ("open", "resolved")
WINNERS: tuple[str, ...] = ("platform", "salesforce")
REVISION = "0003_field_baselines"

Str = sa.String


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


field_baselines = sa.Table(
    "field_baselines",
    metadata,
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("golden_id", Str(), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("system", "obj", "golden_id"),
)

field_conflicts = sa.Table(
    "field_conflicts",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
    sa.Column("sync", Str(), nullable=False),
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("golden_id", Str(), nullable=False),
    sa.Column("field", Str(), nullable=False),
    sa.Column("kind", Str(), nullable=False),
    sa.Column("leader", Str(), nullable=False),
    sa.Column("rule", Str(), nullable=False),
    sa.Column("resolution", Str(), nullable=False),
    sa.Column("observed", sa.JSON(), nullable=False),
    sa.Column("detail", sa.Text(), nullable=True),
    sa.Column("source_key", Str(), nullable=True),
    sa.Column("target_id", Str(), nullable=True),
    sa.Column("status", Str(), nullable=False),
    sa.Column("open_key", Str(), nullable=True),
    sa.Column("detected_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    sa.Column("resolved_at", UTCDateTime(), nullable=True),
    sa.Column("resolved_by", Str(), nullable=True),
    sa.Column("decision", Str(), nullable=True),
    sa.Column("applied_at", UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("open_key"),  # NULL once resolved: one open row per record field
    _one_of("kind", CONFLICT_KINDS, "kind"),
    _one_of("resolution", RESOLUTIONS, "resolution"),
    _one_of("status", CONFLICT_STATUSES, "status"),
    sa.Index(None, "sync", "status"),
    sa.Index(None, "system", "obj", "golden_id"),
)

TABLES_0003 = ("field_baselines", "field_conflicts")


class UnknownConflict(LedgerError, LookupError):
    """No open field conflict has this id."""


class ConflictLike(Protocol):
    """What record_conflicts needs of a conflict (concord.ownership.FieldConflict has it)."""

    golden_id: str
    source_key: str
    target_id: str | None
    field: str
    kind: str
    baseline: Any
    platform: Any
    salesforce: Any
    leader: str
    rule: str
    resolution: str
    detail: str


@dataclass(frozen=True)
class ConflictRow:
    id: int
    sync: str
    system: str
    obj: str
    golden_id: str
    field: str
    kind: str
    leader: str
    rule: str
    resolution: str
    baseline: Any
    platform: Any
    salesforce: Any
    detail: str | None
    source_key: str | None
    target_id: str | None
    status: str
    detected_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    decision: str | None
    applied_at: datetime | None


def _row(r: Any) -> ConflictRow:
    seen = r.observed or {}
    return ConflictRow(
        r.id, r.sync, r.system, r.obj, r.golden_id, r.field, r.kind, r.leader, r.rule,
        r.resolution, seen.get("baseline"), seen.get("platform"), seen.get("salesforce"),
        r.detail, r.source_key, r.target_id, r.status, r.detected_at, r.last_seen_at,
        r.resolved_at, r.resolved_by, r.decision, r.applied_at,
    )


def _open_key(system: str, obj: str, golden_id: str, field: str) -> str:
    return "\x1f".join((system, obj, golden_id, field))


class BaselineStore(LedgerBase):
    # --- baselines --------------------------------------------------------------------

    def get_baselines(self, system: str, obj: str, golden_ids: Iterable[str]
                      ) -> dict[str, dict[str, Any]]:
        """golden id -> agreed field values, only for records synced before."""
        t = field_baselines

        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(t.c.golden_id, t.c.fields).where(
                t.c.system == sa.bindparam("system"), t.c.obj == sa.bindparam("obj"), wanted)

        out: dict[str, dict[str, Any]] = {}
        with self._read() as conn:
            for golden, fields in self._select_in(
                    conn, build, t.c.golden_id, {"system": system, "obj": obj},
                    unique(golden_ids)):
                # driver rows: SQLite hands JSON back as text, psycopg2 already decoded
                out[golden] = json.loads(fields) if isinstance(fields, str) else fields
        return out

    def put_baselines(self, system: str, obj: str,
                      baselines: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace the baselines of these golden ids, all in one transaction."""
        if not baselines:
            return
        now = now_utc()
        rows = [{"system": system, "obj": obj, "golden_id": g, "fields": dict(f),
                 "updated_at": now} for g, f in baselines.items()]
        stmt = self._upsert(field_baselines, ["system", "obj", "golden_id"],
                            ["fields", "updated_at"])
        with self._write() as conn:
            self._insert_many(conn, stmt, rows)

    # --- conflicts --------------------------------------------------------------------

    def record_conflicts(self, sync: str, system: str, obj: str,
                         conflicts: Iterable[ConflictLike]) -> int:
        """Store what the diff found; returns how many rows are new.

        Held conflicts stay `open` (one row per record field: seen again, its values and
        last_seen_at are updated); the others were settled by the spec's rule and are
        stored `resolved`, as the audit trail of overrides and leader-wins conflicts.
        """
        now = now_utc()
        rows = []
        for c in conflicts:
            held = c.resolution == "held"
            rows.append({
                "sync": sync, "system": system, "obj": obj, "golden_id": c.golden_id,
                "field": c.field, "kind": c.kind, "leader": c.leader, "rule": c.rule,
                "resolution": c.resolution,
                "observed": {"baseline": c.baseline, "platform": c.platform,
                             "salesforce": c.salesforce},
                "detail": c.detail or None, "source_key": c.source_key or None,
                "target_id": c.target_id, "status": "open" if held else "resolved",
                "open_key": _open_key(system, obj, c.golden_id, c.field) if held else None,
                "detected_at": now, "last_seen_at": now,
                "resolved_at": None if held else now,
                "resolved_by": None if held else (
                    "rule:ownership" if c.kind == "override" else f"rule:{c.rule}"),
                "decision": None if held else c.resolution,
                "applied_at": None if held else now,
            })
        if not rows:
            return 0
        # one row per open key and statement (PostgreSQL refuses to upsert a row twice)
        held = {r["open_key"]: r for r in rows if r["open_key"]}
        rows = [r for r in rows if not r["open_key"]] + list(held.values())
        for r in rows:
            if r["kind"] not in CONFLICT_KINDS or r["resolution"] not in RESOLUTIONS:
                raise ValueError(f"conflict {r['golden_id']}/{r['field']}: kind {r['kind']!r} "
                                 f"or resolution {r['resolution']!r} unknown")
        stmt = self._insert(field_conflicts)
        stmt = stmt.on_conflict_do_update(
            index_elements=["open_key"],
            set_={c: stmt.excluded[c] for c in (
                "sync", "kind", "leader", "rule", "observed", "detail", "source_key",
                "target_id", "last_seen_at")})
        with self._write() as conn:
            known = 0
            for part in chunked(list(held)):
                known += conn.execute(
                    sa.select(sa.func.count()).select_from(field_conflicts)
                    .where(field_conflicts.c.open_key.in_(part))).scalar_one()
            conn.execute(stmt, rows)
        return len(rows) - known

    def list_conflicts(self, status: str | None = "open", *, sync: str | None = None,
                       system: str | None = None, obj: str | None = None) -> list[ConflictRow]:
        t = field_conflicts
        query = sa.select(t).order_by(t.c.id)
        for column, value in ((t.c.status, status), (t.c.sync, sync), (t.c.system, system),
                              (t.c.obj, obj)):
            if value is not None:
                query = query.where(column == value)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def resolve_conflict(self, conflict_id: int, *, winner: str, resolved_by: str
                         ) -> ConflictRow:
        """A steward's decision on an open conflict: which system's value both sides take."""
        if winner not in WINNERS:
            raise ValueError(f"winner must be one of {WINNERS}, not {winner!r}")
        if not resolved_by or not resolved_by.strip():
            raise ValueError("resolved_by must name who decided")
        t = field_conflicts
        with self._write() as conn:
            done = conn.execute(
                sa.update(t).where(t.c.id == conflict_id, t.c.status == "open")
                .values(status="resolved", open_key=None, decision=winner,
                        resolved_by=resolved_by, resolved_at=now_utc()))
            if done.rowcount != 1:
                raise UnknownConflict(f"no open field conflict {conflict_id}")
            return _row(conn.execute(sa.select(t).where(t.c.id == conflict_id)).one())

    def waiting_golden_ids(self, system: str, obj: str) -> set[str]:
        """Records a run must diff afresh: an open (held) conflict, or a steward's decision
        no run has applied yet. One query; the settled history is not read."""
        t = field_conflicts
        query = sa.select(t.c.golden_id).distinct().where(
            t.c.system == system, t.c.obj == obj,
            sa.or_(t.c.status == "open",
                   sa.and_(t.c.decision.is_not(None), t.c.applied_at.is_(None))))
        with self._read() as conn:
            return {g for (g,) in conn.execute(query)}

    def pending_decisions(self, system: str, obj: str, golden_ids: Iterable[str]
                          ) -> dict[str, dict[str, str]]:
        """golden id -> {field: winner} of steward decisions no run has applied yet."""
        t = field_conflicts

        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(t.c.golden_id, t.c.field, t.c.decision).where(
                t.c.system == sa.bindparam("system"), t.c.obj == sa.bindparam("obj"),
                t.c.status == sa.bindparam("status"), t.c.decision.is_not(None),
                t.c.applied_at.is_(None), wanted).order_by(t.c.id)

        out: dict[str, dict[str, str]] = {}
        with self._read() as conn:
            for golden, field, decision in self._select_in(
                    conn, build, t.c.golden_id,
                    {"system": system, "obj": obj, "status": "resolved"}, unique(golden_ids)):
                out.setdefault(golden, {})[field] = decision
        return out

    def mark_decisions_applied(self, system: str, obj: str,
                               applied: Mapping[str, Iterable[str]]) -> None:
        """The run wrote these (golden id -> fields) as decided: the decisions are done."""
        t = field_conflicts
        pairs = [(g, f) for g, fields in applied.items() for f in fields]
        if not pairs:
            return
        stmt = (sa.update(t).where(
            t.c.system == system, t.c.obj == obj, t.c.golden_id == sa.bindparam("b_golden"),
            t.c.field == sa.bindparam("b_field"), t.c.status == "resolved",
            t.c.decision.is_not(None), t.c.applied_at.is_(None))
            .values(applied_at=sa.bindparam("b_now", type_=UTCDateTime())))
        now = now_utc()
        with self._write() as conn:
            conn.execute(stmt, [{"b_golden": g, "b_field": f, "b_now": now} for g, f in pairs])

    def settle_conflicts(self, system: str, obj: str, golden_ids: Iterable[str],
                         still_held: Iterable[tuple[str, str]], *,
                         resolved_by: str = "concord:settled") -> int:
        """Close the open conflicts of these diffed records that the diff no longer holds
        (someone made the two sides agree by hand); returns how many were closed."""
        keep = {_open_key(system, obj, g, f) for g, f in still_held}
        t = field_conflicts
        query = sa.select(t.c.id, t.c.open_key).where(
            t.c.system == system, t.c.obj == obj, t.c.status == "open",
            t.c.golden_id.in_(sa.bindparam("ids", expanding=True)))
        now = now_utc()
        with self._write() as conn:
            stale = [i for part in chunked(unique(golden_ids))
                     for i, key in conn.execute(query, {"ids": list(part)}) if key not in keep]
            for part in chunked(stale):
                conn.execute(sa.update(t).where(t.c.id.in_(part)).values(
                    status="resolved", open_key=None, resolved_by=resolved_by, resolved_at=now))
        return len(stale)
