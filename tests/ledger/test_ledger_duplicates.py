"""Duplicate review: clusters with scored pairs, and the steward's decisions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from concord.ledger import (
    CandidatePair,
    ClusterMember,
    DuplicateCluster,
    InvalidDecision,
    Ledger,
    UnknownCluster,
)


def cluster(cid: str, *keys: str, sync: str = "crm_accounts", **kw: object) -> DuplicateCluster:
    members = [ClusterMember("platform", "companies", k) for k in keys]
    pairs = [
        CandidatePair(keys[i + 1], keys[i], 0.92, ["same VAT number", "name similarity 0.92"])
        for i in range(len(keys) - 1)
    ]
    return DuplicateCluster(cid, sync, "company", members, pairs, **kw)  # type: ignore[arg-type]


def test_clusters_come_back_with_members_and_scored_pairs(ledger: Ledger) -> None:
    ledger.record_clusters([cluster("c1", "17", "42"), cluster("c2", "5", "6", "7")])

    got = {c.cluster_id: c for c in ledger.clusters()}

    assert [m.record_key for m in got["c1"].members] == ["17", "42"]
    assert got["c1"].status == "open"
    pair = got["c1"].pairs[0]
    assert (pair.a, pair.b) == ("17", "42")  # stored in a stable order
    assert pair.score == Decimal("0.92")
    assert isinstance(pair.score, Decimal)
    assert pair.reasons == ["same VAT number", "name similarity 0.92"]
    assert len(got["c2"].pairs) == 2


def test_decide_keep_resolves_the_cluster_and_records_who(ledger: Ledger) -> None:
    ledger.record_clusters([cluster("c1", "17", "42")])

    decision = ledger.decide("c1", keep="42", decided_by="steward@acme.test")

    assert decision.decision == "keep"
    assert decision.keep_record_key == "42"
    assert decision.decided_at.utcoffset() == timedelta(0)
    assert ledger.decisions() == {"c1": decision}
    assert [c.cluster_id for c in ledger.clusters(status="resolved")] == ["c1"]
    assert ledger.clusters(status="open") == []


def test_decide_separate(ledger: Ledger) -> None:
    ledger.record_clusters([cluster("c1", "17", "42")])

    decision = ledger.decide("c1", separate=True, decided_by="steward")

    assert (decision.decision, decision.keep_record_key) == ("separate", None)
    assert ledger.decisions()["c1"].decision == "separate"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep": "99"}, "not a member"),
        ({"keep": "17", "separate": True}, "exactly one"),
        ({}, "exactly one"),
        ({"keep": "17", "decided_by": " "}, "decided_by"),
    ],
)
def test_decide_validates(ledger: Ledger, kwargs: dict[str, object], message: str) -> None:
    ledger.record_clusters([cluster("c1", "17", "42")])
    kwargs.setdefault("decided_by", "steward")

    with pytest.raises(InvalidDecision, match=message):
        ledger.decide("c1", **kwargs)  # type: ignore[arg-type]
    assert ledger.decisions() == {}
    assert ledger.clusters()[0].status == "open"


def test_decide_on_an_unknown_cluster(ledger: Ledger) -> None:
    with pytest.raises(UnknownCluster):
        ledger.decide("nope", separate=True, decided_by="steward")


def test_re_recording_a_cluster_keeps_its_decision(ledger: Ledger) -> None:
    ledger.record_clusters([cluster("c1", "17", "42")])
    decision = ledger.decide("c1", keep="17", decided_by="steward")

    ledger.record_clusters([cluster("c1", "17", "42")])  # the next dedupe run

    assert ledger.clusters()[0].status == "resolved"
    assert ledger.decisions() == {"c1": decision}


def test_a_new_member_reopens_the_cluster(ledger: Ledger) -> None:
    ledger.record_clusters([cluster("c1", "17", "42")])
    ledger.decide("c1", keep="17", decided_by="steward")

    ledger.record_clusters([cluster("c1", "17", "42", "99")])

    (got,) = ledger.clusters()
    assert got.status == "open"
    assert [m.record_key for m in got.members] == ["17", "42", "99"]
    assert ledger.decisions() == {}

    again = ledger.decide("c1", keep="99", decided_by="steward")
    assert ledger.decisions() == {"c1": again}


def test_clusters_and_decisions_filter_by_sync(ledger: Ledger) -> None:
    ledger.record_clusters([
        cluster("c1", "17", "42"), cluster("i1", "INV-1", "INV-2", sync="accounting_invoices"),
    ])
    ledger.decide("i1", separate=True, decided_by="steward")

    assert [c.cluster_id for c in ledger.clusters(sync="crm_accounts")] == ["c1"]
    assert list(ledger.decisions("accounting_invoices")) == ["i1"]
    assert ledger.decisions("crm_accounts") == {}
    assert ledger.clusters_of("platform", "companies", ["17", "INV-2", "5"]) == {
        "17": "c1", "INV-2": "i1",
    }


def test_a_run_reads_only_the_clusters_and_decisions_it_needs(ledger: Ledger) -> None:
    ledger.record_clusters([cluster(f"c{n}", str(2 * n), str(2 * n + 1)) for n in range(5)])
    ledger.decide_many([("c1", "2", False), ("c3", None, True)], decided_by="steward")

    got = ledger.clusters(sync="crm_accounts", cluster_ids=["c3", "c1", "nope", "c1"])
    assert [(c.cluster_id, [m.record_key for m in c.members]) for c in got] == [
        ("c1", ["2", "3"]), ("c3", ["6", "7"])]
    assert ledger.clusters(cluster_ids=[]) == []
    assert set(ledger.decisions("crm_accounts", cluster_ids=["c0", "c1", "c3"])) == {"c1", "c3"}
    assert ledger.decisions(cluster_ids=["c0"]) == {}


def test_a_load_reads_its_thousands_of_clusters_back_whole(ledger: Ledger) -> None:
    """A re-run after the steward reads every cluster an initial load recorded: one scan
    of each table, not IN lists; what comes back is what was recorded, another sync's
    clusters and a reopened cluster's missing decision included."""
    from concord.ledger.base import SCAN_FROM_VALUES

    n = SCAN_FROM_VALUES + 10
    ours = [cluster(f"c{i:05}", str(3 * i), str(3 * i + 1), str(3 * i + 2)) for i in range(n)]
    ledger.record_clusters([*ours, cluster("i1", "INV-1", "INV-2", sync="accounting_invoices")])
    ledger.decide_many([(c.cluster_id, c.members[0].record_key, False) for c in ours[1:]],
                       decided_by="steward")

    wanted = [c.cluster_id for c in reversed(ours)] + ["i1", "nope"]
    got = ledger.clusters(sync="crm_accounts", cluster_ids=wanted)

    assert [c.cluster_id for c in got] == [c.cluster_id for c in ours]
    assert [[m.record_key for m in c.members] for c in got] == [
        sorted(m.record_key for m in c.members) for c in ours]  # members in key order
    assert {c.status for c in got[1:]} == {"resolved"} and got[0].status == "open"
    pair = got[-1].pairs[0]
    assert (pair.score, pair.reasons) == (Decimal("0.92"),
                                          ["same VAT number", "name similarity 0.92"])
    assert str(pair.score) == str(ledger.clusters(cluster_ids=["c00000"])[0].pairs[0].score)
    assert [len(c.pairs) for c in got] == [2] * n
    assert got == ledger.clusters(sync="crm_accounts")
    decided = ledger.decisions("crm_accounts", cluster_ids=wanted)
    assert len(decided) == n - 1 and "c00000" not in decided


def test_many_rulings_are_recorded_together_or_not_at_all(ledger: Ledger) -> None:
    ledger.record_clusters([cluster("c1", "1", "2"), cluster("c2", "3", "4"),
                            cluster("c3", "5", "6")])
    with pytest.raises(InvalidDecision, match="'9' is not a member"):
        ledger.decide_many([("c1", "1", False), ("c2", "9", False)], decided_by="steward")
    assert ledger.decisions() == {}  # the valid one was not recorded either

    made = ledger.decide_many([("c1", "1", False), ("c2", None, True)], decided_by="steward")
    assert [(d.cluster_id, d.decision, d.keep_record_key) for d in made] == [
        ("c1", "keep", "1"), ("c2", "separate", None)]
    assert set(ledger.decisions()) == {"c1", "c2"}
    assert [c.cluster_id for c in ledger.clusters(status="open")] == ["c3"]
    assert ledger.decide_many([], decided_by="steward") == []


def test_cluster_counts_are_per_entity_type_of_one_sync_in_one_status(ledger: Ledger) -> None:
    ledger.record_clusters([
        cluster("c1", "17", "42"), cluster("c2", "5", "6", "7"),
        DuplicateCluster("p1", "crm_accounts", "person",
                         [ClusterMember("platform", "contacts", k) for k in ("1", "2")], []),
        cluster("o1", "8", "9", sync="other_sync"),
    ])
    ledger.decide("c2", separate=True, decided_by="steward")

    assert ledger.cluster_counts(sync="crm_accounts", status="open") == {"company": 1, "person": 1}
    assert ledger.cluster_counts(sync="crm_accounts", status="resolved") == {"company": 1}
    assert ledger.cluster_counts(sync="nobody", status="open") == {}
