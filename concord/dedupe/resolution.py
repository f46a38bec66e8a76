"""Apply a steward's decisions (or a rule's) to the clusters found in a batch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from concord.dedupe.exact import Cluster, record_order
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


def in_ledger_terms(
    records: Sequence[StandardRecord],
    found: Sequence[Cluster],
    stored_cluster_of: Mapping[str, str],
    stored_members: Mapping[str, Sequence[str]],
    order: Callable[[str], tuple[int, str]] = record_order,
) -> list[Cluster]:
    """The batch's clusters under the ids the ledger already knows them by.

    A batch (an hourly range) holds only some members of a cluster decided earlier. Found
    again, or partly, a cluster keeps its stored id and members, so the steward's decision
    still applies (and a member new to it reopens it, as it should). A record of a stored
    cluster whose partners are not in the batch gets that cluster too: a merged-away
    record edited alone must not overwrite the kept record's target, and a record of an
    undecided cluster is held like the rest of it.
    """
    out: list[Cluster] = []
    covered: set[str] = set()
    for c in found:
        ids = {stored_cluster_of[m] for m in c.members if m in stored_cluster_of}
        if len(ids) == 1:  # several: the batch joins stored clusters; a new one to decide
            (sid,) = ids
            members = tuple(sorted(set(c.members) | set(stored_members.get(sid, ())), key=order))
            c = replace(c, cluster_id=sid, members=members, survivor=members[0])
        out.append(c)
        covered.update(c.members)
    carried = dict.fromkeys(stored_cluster_of[r.key] for r in records
                            if r.key not in covered and r.key in stored_cluster_of)
    for sid in carried:
        members = tuple(sorted(stored_members.get(sid, ()), key=order))
        if members:
            out.append(Cluster(sid, members, members[0], (), False))
    out.sort(key=lambda c: order(c.survivor))
    return out


def resolve_clusters(
    records: Sequence[StandardRecord],
    clusters: Sequence[Cluster],
    decisions: Mapping[str, ClusterDecision],
) -> DedupeOutcome:
    """Keep one record per decided cluster; leave undecided review clusters out entirely.

    Records of an unresolved cluster are not synced (the blocking check says why); keeping
    them all would create the duplicates the steward is about to merge. Only the batch's
    records are merged or held: a cluster may name members of other partitions.
    """
    out = DedupeOutcome(clusters=list(clusters))
    present = {r.key for r in records}
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
            out.merged.update({m: keep for m in c.members if m != keep and m in present})
    out.records = [r for r in records if r.key not in held and r.key not in out.merged]
    return out
