"""Deterministic dedupe: records that share every field of a rule are one entity.

Rules are applied together (union-find), so A~B by VAT id and B~C by register number
make one cluster {A, B, C}, with the reasons kept per pair for the steward.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from concord.model import StandardRecord
from concord.spec.model import DedupeRule


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    """Records judged to be one entity. `survivor` is the earliest member by `order`."""

    cluster_id: str
    members: tuple[str, ...]
    survivor: str
    pairs: tuple[Pair, ...]
    auto: bool  # every link came from an `auto` rule: no steward needed

    @property
    def losers(self) -> tuple[str, ...]:
        return tuple(m for m in self.members if m != self.survivor)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def record_order(key: str) -> tuple[int, str]:
    """Platform keys are integers as text: '9' sorts before '10'."""
    return (int(key), key) if key.isdigit() else (1 << 62, key)


def find_clusters(
    records: Sequence[StandardRecord],
    rules: Sequence[DedupeRule],
    *,
    prefix: str,
    order: Callable[[str], tuple[int, str]] = record_order,
) -> list[Cluster]:
    """Group records sharing a rule's key; clusters are returned in survivor order."""
    uf = _UnionFind()
    reasons: dict[tuple[str, str], set[str]] = defaultdict(set)
    review_links: set[tuple[str, str]] = set()
    for rule in rules:
        buckets: dict[tuple[object, ...], list[str]] = defaultdict(list)
        for rec in records:
            if rec.deleted:
                continue
            values = tuple(rec.fields.get(f) for f in rule.fields)
            if all(v not in (None, "") for v in values):
                buckets[values].append(rec.key)
        for keys in buckets.values():
            if len(keys) < 2:
                continue
            keys = sorted(keys, key=order)
            first = keys[0]
            for other in keys[1:]:
                uf.union(first, other)
                pair = (first, other)
                reasons[pair].add(rule.name)
                if rule.resolve == "review":
                    review_links.add(pair)
    # One pass over the pairs, grouped by cluster root (sorting all pairs per cluster was
    # quadratic in the number of clusters).
    pairs_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in reasons:
        pairs_of[uf.find(pair[0])].append(pair)
    clusters = []
    for links in pairs_of.values():
        links.sort(key=lambda ab: (order(ab[0]), order(ab[1])))
        ordered = tuple(sorted({k for ab in links for k in ab}, key=order))
        pairs = tuple(Pair(a, b, tuple(sorted(reasons[(a, b)]))) for a, b in links)
        auto = not any(ab in review_links for ab in links)
        clusters.append(Cluster(f"{prefix}-{ordered[0]}", ordered, ordered[0], pairs, auto))
    clusters.sort(key=lambda c: order(c.survivor))
    return clusters
