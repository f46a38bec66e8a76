"""Dedupe step: clusters to the review queue; a blocking check holds apply until resolved."""

import dagster as dg

from assets.steps.common import StepScope, partition_label, table_metadata
from concord.dedupe import ClusterDecision, DedupeOutcome, find_clusters, resolve_clusters
from concord.ledger import CandidatePair, ClusterMember, DuplicateCluster
from concord.model import StandardRecord
from resources.ledger import LedgerResource


def build_dedupe(scope: StepScope) -> dg.AssetsDefinition:
    check = dg.AssetCheckSpec(
        "no_unresolved_duplicates", asset=scope.key("deduped"), blocking=True,
        description="Every duplicate cluster is decided (concord duplicates resolve) before apply",
    )

    @dg.asset(
        **scope.asset_kwargs("deduped", "One record per real-world entity"),
        ins={"standardised": dg.AssetIn(scope.key("standardised"))},
        check_specs=[check],
    )
    def _dedupe(
        context: dg.AssetExecutionContext, ledger: LedgerResource, standardised: list[StandardRecord]
    ):
        led = ledger.open()
        clusters = find_clusters(standardised, scope.obj.dedupe, prefix=f"{scope.sync}.{scope.obj_name}")
        part = partition_label(context)
        led.record_clusters(
            DuplicateCluster(
                cluster_id=c.cluster_id, sync=scope.sync, entity_type=scope.obj.entity,
                members=[ClusterMember("platform", scope.obj_name, k) for k in c.members],
                pairs=[CandidatePair(p.a, p.b, 1.0, list(p.reasons)) for p in c.pairs],
                partition=part,
            )
            for c in clusters
        )
        stored = led.decisions(scope.sync)
        decisions = {
            cid: ClusterDecision(d.decision, d.keep_record_key) for cid, d in stored.items()
        }
        for c in clusters:  # rule-decided clusters are recorded as decided, once
            if c.auto and c.cluster_id not in stored:
                rule = "+".join(sorted({r for p in c.pairs for r in p.reasons}))
                led.decide(c.cluster_id, keep=c.survivor, decided_by=f"rule:{rule}")
        outcome: DedupeOutcome = resolve_clusters(standardised, clusters, decisions)
        yield dg.Output(
            outcome,
            metadata={
                "records": len(outcome.records),
                "clusters": len(clusters),
                "merged": len(outcome.merged),
                "unresolved_clusters": len(outcome.unresolved),
            },
        )
        rows = [
            {"cluster": c.cluster_id, "members": ", ".join(c.members),
             "reasons": "; ".join(f"{p.a}~{p.b}: {', '.join(p.reasons)}" for p in c.pairs)}
            for c in outcome.unresolved
        ]
        yield dg.AssetCheckResult(
            check_name="no_unresolved_duplicates",
            passed=not outcome.unresolved,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "unresolved": len(outcome.unresolved),
                "clusters": table_metadata(rows, ["cluster", "members", "reasons"]),
                "how_to_resolve": "concord duplicates list; concord duplicates resolve CLUSTER "
                                  "--keep ID | --separate; then re-run this partition",
            },
        )

    return _dedupe
