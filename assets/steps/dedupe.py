"""Dedupe step: clusters to the review queue; a blocking check holds apply until resolved."""

from dataclasses import replace

import dagster as dg

from assets.steps.common import StepScope, partition_label, table_metadata
from concord.dedupe import (
    ClusterDecision,
    DedupeOutcome,
    find_clusters,
    in_ledger_terms,
    resolve_clusters,
)
from concord.ledger import CandidatePair, ClusterMember, DuplicateCluster, Ledger
from concord.model import StandardRecord
from resources.ledger import LedgerResource
from resources.step_store import NOT_FOR_LATER_RUNS

SOURCE = "platform"


def build_dedupe(scope: StepScope) -> dg.AssetsDefinition:
    check = dg.AssetCheckSpec(
        "no_unresolved_duplicates", asset=scope.key("deduped"), blocking=True,
        description="Every duplicate cluster is decided before anything is written: "
                    "`concord duplicates list`, then `concord duplicates resolve CLUSTER "
                    "--keep ID | --separate`, then re-run the partition",
    )

    @dg.asset(
        **scope.asset_kwargs("deduped", "One record per real-world entity"),
        ins={"standardised": scope.step_in("standardised")},
        check_specs=[check],
    )
    def _dedupe(
        context: dg.AssetExecutionContext, ledger: LedgerResource, standardised: list[StandardRecord]
    ):
        led = ledger.open()
        found = find_clusters(standardised, scope.obj.dedupe, prefix=f"{scope.sync}.{scope.obj_name}")
        cluster_of, known = _stored_clusters(led, scope, standardised)
        clusters = in_ledger_terms(
            standardised, found, cluster_of,
            {cid: [m.record_key for m in c.members] for cid, c in known.items()})
        part = partition_label(context)
        found_now = (
            DuplicateCluster(
                cluster_id=c.cluster_id, sync=scope.sync, entity_type=scope.obj.entity,
                members=[ClusterMember(SOURCE, scope.obj_name, k) for k in c.members],
                # exact keys: score 1; the reasons are the matched keys, tier by tier
                pairs=[CandidatePair(p.a, p.b, 1.0, [str(m) for m in p.matched]) for p in c.pairs],
                partition=part,
            )
            for c in clusters
            if c.pairs  # found in this batch; the others are carried from the ledger as they are
        )
        # found again exactly as stored (a re-run, the re-run after the steward's
        # decisions): nothing to record
        led.record_clusters(c for c in found_now if not _as_stored(c, known.get(c.cluster_id)))
        stored = led.decisions(scope.sync, cluster_ids=[c.cluster_id for c in clusters])
        decisions = {
            cid: ClusterDecision(d.decision, d.keep_record_key) for cid, d in stored.items()
        }
        for c in clusters:  # rule-decided clusters are recorded as decided, once
            if c.auto and c.cluster_id not in stored:
                rule = "+".join(c.tiers)
                led.decide(c.cluster_id, keep=c.survivor, decided_by=f"rule:{rule}")
        outcome: DedupeOutcome = resolve_clusters(standardised, clusters, decisions)
        yield dg.Output(
            outcome,
            metadata={
                "records": len(outcome.records),
                "clusters": len(clusters),
                "merged": len(outcome.merged),
                "unresolved_clusters": len(outcome.unresolved),
                # stopped here: the next run dedupes afresh with the steward's decisions
                NOT_FOR_LATER_RUNS: bool(outcome.unresolved),
            },
        )
        rows = [
            {"cluster": c.cluster_id, "members": ", ".join(c.members),
             "tiers": ", ".join(c.tiers), "keys": "; ".join(c.keys)}
            for c in outcome.unresolved
        ]
        how = (f"concord duplicates list --sync {scope.sync}; concord duplicates resolve "
               "CLUSTER --keep ID | --separate; then re-run this partition (or concord sync)")
        if outcome.unresolved:
            context.log.warning(
                f"{scope.obj_name}: {len(outcome.unresolved)} duplicate cluster(s) wait for a "
                f"steward; {scope.obj_name} are not written until each is decided: {how}")
        yield dg.AssetCheckResult(
            check_name="no_unresolved_duplicates",
            passed=not outcome.unresolved,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "unresolved": len(outcome.unresolved),
                "clusters": table_metadata(rows, ["cluster", "members", "tiers", "keys"]),
                "how_to_resolve": how,
            },
        )

    return _dedupe


def _stored_clusters(
    led: Ledger, scope: StepScope, records: list[StandardRecord]
) -> tuple[dict[str, str], dict[str, DuplicateCluster]]:
    """The batch's records that the ledger already has in a cluster of this sync, and those
    clusters with their members of this object (read only when there are any: never on a
    first load)."""
    cluster_of = led.clusters_of(SOURCE, scope.obj_name, [r.key for r in records])
    if not cluster_of:
        return {}, {}
    stored = {
        c.cluster_id: replace(c, members=[m for m in c.members
                                          if m.system == SOURCE and m.obj == scope.obj_name])
        for c in led.clusters(sync=scope.sync, cluster_ids=set(cluster_of.values()))
    }
    return {k: cid for k, cid in cluster_of.items() if cid in stored}, stored


def _as_stored(found: DuplicateCluster, stored: DuplicateCluster | None) -> bool:
    """Same members and the same pairs for the same reasons as the ledger holds."""
    def pairs(c: DuplicateCluster) -> set[tuple[str, str, tuple[str, ...]]]:
        return {(min(p.a, p.b), max(p.a, p.b), tuple(p.reasons)) for p in c.pairs}

    return (stored is not None and set(found.members) == set(stored.members)
            and pairs(found) == pairs(stored))
