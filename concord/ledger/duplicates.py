"""Duplicate clusters for steward review: members, scored candidate pairs, decisions.

A cluster id is chosen by the caller and deterministic, so re-running dedupe re-records
the same cluster: its decision stands unless new members joined, which reopens it (the
steward has not seen them). Earlier decisions are kept, inactive, as the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, chunked, now_utc, unique
from concord.ledger.errors import InvalidDecision, UnknownCluster
from concord.ledger.rows import (
    CLUSTER_STATUSES,
    CandidatePair,
    ClusterMember,
    Decision,
    DuplicateCluster,
)
from concord.ledger.schema import (
    UTCDateTime,
    duplicate_clusters,
    duplicate_decisions,
    duplicate_members,
    duplicate_pairs,
)


def _score(value: Decimal | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


_SCORE_PLACES = Decimal(1).scaleb(-duplicate_pairs.c.score.type.scale)  # type: ignore[attr-defined]


def _stored_score(value: Decimal | float) -> Decimal:
    """A stored score as the column's type reads it: Decimal to its scale (NUMERIC(12, 6))."""
    return value if isinstance(value, Decimal) else _score(value).quantize(_SCORE_PLACES)


def _decision(row: Any) -> Decision:
    return Decision(
        row.cluster_id, row.decision, row.keep_record_key, row.decided_by, row.decided_at
    )


class DuplicateStore(LedgerBase):
    def record_clusters(self, clusters: Iterable[DuplicateCluster]) -> None:
        given = {c.cluster_id: c for c in clusters}
        if not given:
            return
        for c in given.values():
            if c.status not in CLUSTER_STATUSES:
                raise ValueError(f"cluster {c.cluster_id}: status {c.status!r} unknown")
        ids = list(given)
        now = now_utc()
        with self._write() as conn:
            existing = self._members(conn, ids)
            known = self._known(conn, ids)
            fresh = [given[i] for i in ids if i not in known]
            again = [given[i] for i in ids if i in known]
            reopened = [
                c.cluster_id for c in again if set(c.members) - set(existing.get(c.cluster_id, []))
            ]
            if fresh:
                conn.execute(sa.insert(duplicate_clusters), [
                    {
                        "cluster_id": c.cluster_id, "sync": c.sync, "entity_type": c.entity_type,
                        "partition": c.partition, "status": c.status,
                        "created_at": now, "updated_at": now,
                    }
                    for c in fresh
                ])
            if again:
                conn.execute(
                    sa.update(duplicate_clusters)
                    .where(duplicate_clusters.c.cluster_id == sa.bindparam("b_id"))
                    .values(
                        sync=sa.bindparam("b_sync"), entity_type=sa.bindparam("b_type"),
                        partition=sa.bindparam("b_partition"),
                        updated_at=sa.bindparam("b_now", type_=UTCDateTime()),
                    ),
                    [
                        {"b_id": c.cluster_id, "b_sync": c.sync, "b_type": c.entity_type,
                         "b_partition": c.partition, "b_now": now}
                        for c in again
                    ],
                )
            for part in chunked(reopened):
                conn.execute(
                    sa.update(duplicate_clusters)
                    .where(duplicate_clusters.c.cluster_id.in_(part))
                    .values(status="open")
                )
                conn.execute(
                    sa.update(duplicate_decisions)
                    .where(duplicate_decisions.c.cluster_id.in_(part))
                    .values(active=False)
                )
            members = {
                (c.cluster_id, m.system, m.obj, m.record_key) for c in given.values()
                for m in c.members
            }
            if members:
                stmt = self._insert(duplicate_members).on_conflict_do_nothing()
                self._insert_many(conn, stmt, [
                    {"cluster_id": cid, "system": s, "obj": o, "record_key": k}
                    for cid, s, o, k in sorted(members)
                ])
            pairs: dict[tuple[str, str, str], dict[str, Any]] = {}
            for c in given.values():
                for p in c.pairs:
                    a, b = sorted((p.a, p.b))
                    pairs[(c.cluster_id, a, b)] = {
                        "cluster_id": c.cluster_id, "a": a, "b": b,
                        "score": _score(p.score), "reasons": list(p.reasons),
                    }
            if pairs:
                conn.execute(
                    self._upsert(duplicate_pairs, ["cluster_id", "a", "b"], ["score", "reasons"]),
                    list(pairs.values()),
                )

    def _known(self, conn: sa.Connection, ids: list[str]) -> set[str]:
        """Which of these cluster ids the ledger holds."""
        t = duplicate_clusters
        return {cid for (cid,) in self._select_in(
            conn, lambda wanted: sa.select(t.c.cluster_id).where(wanted), t.c.cluster_id, {},
            ids)}

    def _members(self, conn: sa.Connection, ids: list[str]) -> dict[str, list[ClusterMember]]:
        t = duplicate_members
        out: dict[str, list[ClusterMember]] = {}
        for cid, system, obj, key in self._select_in(
                conn, lambda wanted: sa.select(t.c.cluster_id, t.c.system, t.c.obj, t.c.record_key)
                .where(wanted).order_by(t.c.system, t.c.obj, t.c.record_key),
                t.c.cluster_id, {}, ids):
            out.setdefault(cid, []).append(ClusterMember(system, obj, key))
        return out

    def _pairs(self, conn: sa.Connection, ids: list[str]) -> dict[str, list[CandidatePair]]:
        t = duplicate_pairs
        out: dict[str, list[CandidatePair]] = {}
        for cid, a, b, score, reasons in self._select_in(
                conn, lambda wanted: sa.select(t.c.cluster_id, t.c.a, t.c.b, t.c.score, t.c.reasons)
                .where(wanted).order_by(t.c.a, t.c.b),
                t.c.cluster_id, {}, ids):
            # driver rows: SQLite hands JSON back as text and NUMERIC as a float
            out.setdefault(cid, []).append(CandidatePair(
                a, b, _stored_score(score),
                json.loads(reasons) if isinstance(reasons, str) else list(reasons)))
        return out

    def clusters(
        self, *, sync: str | None = None, status: str | None = None,
        cluster_ids: Iterable[str] | None = None,
    ) -> list[DuplicateCluster]:
        """The clusters, with members and pairs; `cluster_ids` reads only those (a run
        touches a few of the thousands an initial load recorded)."""
        t = duplicate_clusters
        fixed = {name: value for name, value in (("sync", sync), ("status", status))
                 if value is not None}

        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            query = sa.select(t.c.cluster_id, t.c.sync, t.c.entity_type, t.c.partition,
                              t.c.status).where(wanted)
            return query.where(*(t.c[name] == sa.bindparam(name) for name in fixed))

        with self._read() as conn:
            if cluster_ids is None:
                rows = [tuple(r) for r in conn.execute(build(sa.true()), fixed)]
            else:
                rows = list(self._select_in(conn, build, t.c.cluster_id, fixed,
                                            unique(cluster_ids)))
            rows.sort(key=lambda r: r[0])
            ids = [r[0] for r in rows]
            members = self._members(conn, ids)
            pairs = self._pairs(conn, ids)
        return [
            DuplicateCluster(cid, sync_, kind, members.get(cid, []), pairs.get(cid, []),
                             partition, status_)
            for cid, sync_, kind, partition, status_ in rows
        ]

    def cluster_counts(self, *, sync: str, status: str) -> dict[str, int]:
        """Entity type -> clusters of the sync in that status: what a notice says, without
        reading the thousands of clusters of an initial load with their members."""
        query = (
            sa.select(duplicate_clusters.c.entity_type, sa.func.count())
            .where(duplicate_clusters.c.sync == sync, duplicate_clusters.c.status == status)
            .group_by(duplicate_clusters.c.entity_type)
        )
        with self._read() as conn:
            return {kind: n for kind, n in conn.execute(query)}

    def decide(
        self,
        cluster_id: str,
        *,
        keep: str | None = None,
        separate: bool = False,
        decided_by: str,
    ) -> Decision:
        """Record a steward's ruling: merge the cluster into member `keep`, or keep apart."""
        return self.decide_many([(cluster_id, keep, separate)], decided_by=decided_by)[0]

    def decide_many(
        self, rulings: Sequence[tuple[str, str | None, bool]], *, decided_by: str
    ) -> list[Decision]:
        """Several rulings `(cluster_id, keep, separate)` in one transaction: all recorded,
        or none (a bulk `resolve --all-suggested` of thousands of clusters)."""
        if not rulings:
            return []
        for cluster_id, keep, separate in rulings:
            if (keep is None) == (not separate):
                raise InvalidDecision(
                    f"cluster {cluster_id}: give exactly one of keep=<record key> or separate=True"
                )
        if not decided_by or not decided_by.strip():
            raise InvalidDecision(f"cluster {rulings[0][0] if rulings else '-'}: "
                                  "decided_by must name who decided")
        decided_at: datetime = now_utc()
        ids = unique(r[0] for r in rulings)
        decisions = [Decision(cid, "keep" if keep is not None else "separate", keep, decided_by,
                              decided_at) for cid, keep, _ in rulings]
        with self._write() as conn:
            known = self._known(conn, ids)
            members = self._members(conn, ids)
            for d in decisions:
                if d.cluster_id not in known:
                    raise UnknownCluster(f"no duplicate cluster {d.cluster_id!r}")
                keys = {m.record_key for m in members.get(d.cluster_id, [])}
                if d.keep_record_key is not None and d.keep_record_key not in keys:
                    raise InvalidDecision(
                        f"cluster {d.cluster_id}: {d.keep_record_key!r} is not a member "
                        f"({', '.join(sorted(keys))})"
                    )
            for part in chunked(ids):
                conn.execute(sa.update(duplicate_decisions)
                             .where(duplicate_decisions.c.cluster_id.in_(part))
                             .values(active=False))
                conn.execute(sa.update(duplicate_clusters)
                             .where(duplicate_clusters.c.cluster_id.in_(part))
                             .values(status="resolved", updated_at=decided_at))
            conn.execute(sa.insert(duplicate_decisions), [
                {"cluster_id": d.cluster_id, "decision": d.decision,
                 "keep_record_key": d.keep_record_key, "decided_by": decided_by,
                 "decided_at": decided_at, "active": True} for d in decisions])
        return decisions

    def decisions(
        self, sync: str | None = None, *, cluster_ids: Iterable[str] | None = None
    ) -> dict[str, Decision]:
        """cluster_id -> the decision in force (a reopened cluster has none); only for
        `cluster_ids` when given."""
        query = (
            sa.select(duplicate_decisions)
            .join(duplicate_clusters,
                  duplicate_clusters.c.cluster_id == duplicate_decisions.c.cluster_id)
            .where(duplicate_decisions.c.active.is_(True))
            .order_by(duplicate_decisions.c.cluster_id)
        )
        if sync is not None:
            query = query.where(duplicate_clusters.c.sync == sync)
        with self._read() as conn:
            if cluster_ids is None:
                return {r.cluster_id: _decision(r) for r in conn.execute(query)}
            query = query.where(duplicate_decisions.c.cluster_id.in_(
                sa.bindparam("ids", expanding=True)))
            return {r.cluster_id: _decision(r) for part in chunked(unique(cluster_ids))
                    for r in conn.execute(query, {"ids": list(part)})}

    def clusters_of(self, system: str, obj: str, record_keys: Iterable[str]) -> dict[str, str]:
        """record_key -> cluster id it belongs to (for the records of one system object)."""
        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(duplicate_members.c.record_key, duplicate_members.c.cluster_id).where(
                duplicate_members.c.system == sa.bindparam("system"),
                duplicate_members.c.obj == sa.bindparam("obj"), wanted)

        with self._read() as conn:
            return dict(self._select_in(conn, build, duplicate_members.c.record_key,
                                        {"system": system, "obj": obj}, unique(record_keys)))
