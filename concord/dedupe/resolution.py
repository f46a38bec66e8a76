"""Apply a steward's decisions (or a rule's) to the clusters found in a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from concord.dedupe.exact import Cluster
from concord.model import StandardRecord


@dataclass(frozen=True)
class ClusterDecision:
    decision: Literal["keep", "separate"]
    keep: str | None = None


@dataclass
class DedupeOutcome:
    records: list[StandardRecord] = field(default_factory=list)   # the ones to sync
    merged: dict[str, str] = field(default_factory=dict)           # loser key -> kept key
    unresolved: list[Cluster] = field(default_factory=list)        # waiting for a steward
    clusters: list[Cluster] = field(default_factory=list)


def resolve_clusters(
    records: Sequence[StandardRecord],
    clusters: Sequence[Cluster],
    decisions: Mapping[str, ClusterDecision],
) -> DedupeOutcome:
    """Keep one record per decided cluster; leave undecided review clusters out entirely.

    Records of an unresolved cluster are not synced (the blocking check says why); keeping
    them all would create the duplicates the steward is about to merge.
    """
    out = DedupeOutcome(clusters=list(clusters))
    held: set[str] = set()
    for c in clusters:
        d = decisions.get(c.cluster_id)
        if d is None and c.auto:
            d = ClusterDecision("keep", c.survivor)
        if d is None:
            out.unresolved.append(c)
            held.update(c.members)
        elif d.decision == "keep":
            keep = d.keep if d.keep in c.members else c.survivor
            out.merged.update({m: keep for m in c.members if m != keep})
    out.records = [r for r in records if r.key not in held and r.key not in out.merged]
    return out
