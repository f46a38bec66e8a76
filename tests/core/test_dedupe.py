"""Deterministic dedupe: clusters, survivors and the steward's decisions."""

from datetime import UTC, datetime

from concord.dedupe import ClusterDecision, find_clusters, resolve_clusters
from concord.model import StandardRecord
from concord.spec.model import DedupeRule

T = datetime(2026, 10, 1, tzinfo=UTC)
VAT = DedupeRule(name="vat_id", fields=("VAT",), resolve="auto")
REG = DedupeRule(name="register", fields=("REG", "Country"), resolve="review")


def rec(key: str, **fields: object) -> StandardRecord:
    return StandardRecord(key, T, False, dict(fields))


def test_same_vat_id_is_one_cluster_kept_on_the_earliest_record() -> None:
    records = [rec("10", VAT="DE1"), rec("9", VAT="DE1"), rec("11", VAT="DE2")]
    [cluster] = find_clusters(records, [VAT], prefix="s.c")
    assert cluster.members == ("9", "10")  # numeric order: 9 before 10
    assert cluster.survivor == "9"
    assert cluster.cluster_id == "s.c-9"
    assert cluster.auto
    assert cluster.pairs[0].reasons == ("vat_id",)


def test_rules_chain_transitively_and_keep_reasons() -> None:
    records = [
        rec("1", VAT="DE1", REG="HRB 1", Country="DE"),
        rec("2", VAT="DE1"),
        rec("3", REG="HRB 1", Country="DE"),
    ]
    [cluster] = find_clusters(records, [VAT, REG], prefix="p")
    assert cluster.members == ("1", "2", "3")
    reasons = {(p.a, p.b): p.reasons for p in cluster.pairs}
    assert reasons == {("1", "2"): ("vat_id",), ("1", "3"): ("register",)}
    assert not cluster.auto  # one link needs review


def test_empty_keys_never_match() -> None:
    records = [rec("1", VAT=None), rec("2", VAT=None), rec("3", VAT="")]
    assert find_clusters(records, [VAT], prefix="p") == []


def test_unresolved_review_clusters_hold_all_their_members() -> None:
    records = [rec("1", REG="HRB 1", Country="DE"), rec("2", REG="HRB 1", Country="DE"), rec("3")]
    clusters = find_clusters(records, [REG], prefix="p")
    outcome = resolve_clusters(records, clusters, {})
    assert [r.key for r in outcome.records] == ["3"]
    assert [c.cluster_id for c in outcome.unresolved] == ["p-1"]


def test_keep_decision_merges_into_the_kept_record() -> None:
    records = [rec("1", REG="HRB 1", Country="DE"), rec("2", REG="HRB 1", Country="DE")]
    clusters = find_clusters(records, [REG], prefix="p")
    outcome = resolve_clusters(records, clusters, {"p-1": ClusterDecision("keep", "2")})
    assert [r.key for r in outcome.records] == ["2"]
    assert outcome.merged == {"1": "2"}
    assert not outcome.unresolved


def test_separate_decision_keeps_both() -> None:
    records = [rec("1", REG="HRB 1", Country="DE"), rec("2", REG="HRB 1", Country="DE")]
    clusters = find_clusters(records, [REG], prefix="p")
    outcome = resolve_clusters(records, clusters, {"p-1": ClusterDecision("separate")})
    assert [r.key for r in outcome.records] == ["1", "2"]
    assert outcome.merged == {}
