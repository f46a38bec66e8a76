"""Deterministic dedupe: records with an equal key under a rule are one entity.

Rules (tiers) are applied together (union-find), so A~B by VAT id and B~C by register
number make one cluster {A, B, C}. Each pair keeps the keys that joined it, tier by tier
in the spec's order, for the steward ('vat_id: DE123456789', 'name_country: muller | DE').
Keys are derived per the rule (concord/dedupe/keys.py) and compared exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from concord.dedupe.keys import key_text, rule_key
from concord.model import StandardRecord
from concord.spec.model import DedupeRule


@dataclass(frozen=True)
class MatchedKey:
    """One tier's key that two records share."""

    rule: str
    key: tuple[str, ...]

    def __str__(self) -> str:
        return key_text(self.rule, self.key)


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    matched: tuple[MatchedKey, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """The tiers (rule names) that joined the pair, in the spec's order."""
        return tuple(m.rule for m in self.matched)


@dataclass(frozen=True)
class Cluster:
    """Records judged to be one entity. `survivor` is the earliest member by `order`."""

    cluster_id: str
    members: tuple[str, ...]
    survivor: str
    pairs: tuple[Pair, ...]
    auto: bool  # every link came from an `auto` rule: no steward needed
    tiers: tuple[str, ...] = ()  # the rules that matched anywhere in the cluster, spec order

    @property
    def losers(self) -> tuple[str, ...]:
        return tuple(m for m in self.members if m != self.survivor)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every matched key, once, strongest tier first, as a steward reads it."""
        rank = {t: i for i, t in enumerate(self.tiers)}
        found = sorted({m for p in self.pairs for m in p.matched},
                       key=lambda m: (rank.get(m.rule, len(rank)), m.key))
        return tuple(str(m) for m in found)


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
    matched: dict[tuple[str, str], list[MatchedKey]] = defaultdict(list)
    review_links: set[tuple[str, str]] = set()
    live = [r for r in records if not r.deleted]
    for rule in rules:
        buckets: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for rec in live:
            key = rule_key(rule, rec.fields)
            if key is not None:
                buckets[key].append(rec.key)
        for key, keys in buckets.items():
            if len(keys) < 2:
                continue
            keys = sorted(keys, key=order)
            first = keys[0]
            for other in keys[1:]:
                uf.union(first, other)
                pair = (first, other)
                matched[pair].append(MatchedKey(rule.name, key))
                if rule.resolve == "review":
                    review_links.add(pair)
    # One pass over the pairs, grouped by cluster root (sorting all pairs per cluster was
    # quadratic in the number of clusters).
    pairs_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in matched:
        pairs_of[uf.find(pair[0])].append(pair)
    rule_names = [r.name for r in rules]
    clusters = []
    for links in pairs_of.values():
        links.sort(key=lambda ab: (order(ab[0]), order(ab[1])))
        ordered = tuple(sorted({k for ab in links for k in ab}, key=order))
        pairs = tuple(Pair(a, b, tuple(matched[(a, b)])) for a, b in links)
        used = {m.rule for p in pairs for m in p.matched}
        auto = not any(ab in review_links for ab in links)
        clusters.append(Cluster(f"{prefix}-{ordered[0]}", ordered, ordered[0], pairs, auto,
                                tuple(n for n in rule_names if n in used)))
    clusters.sort(key=lambda c: order(c.survivor))
    return clusters
