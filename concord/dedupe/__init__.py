from concord.dedupe.exact import Cluster, MatchedKey, Pair, find_clusters, record_order
from concord.dedupe.keys import KEY_NORMALISERS, rule_key
from concord.dedupe.resolution import (
    ClusterDecision,
    DedupeOutcome,
    in_ledger_terms,
    resolve_clusters,
)

__all__ = [
    "KEY_NORMALISERS", "Cluster", "ClusterDecision", "DedupeOutcome", "MatchedKey", "Pair",
    "find_clusters", "in_ledger_terms", "record_order", "resolve_clusters", "rule_key",
]
