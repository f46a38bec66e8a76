from concord.dedupe.exact import Cluster, Pair, find_clusters, record_order
from concord.dedupe.resolution import ClusterDecision, DedupeOutcome, resolve_clusters

__all__ = [
    "Cluster", "ClusterDecision", "DedupeOutcome", "Pair", "find_clusters", "record_order",
    "resolve_clusters",
]
