"""Deterministic dedupe: clusters, survivors and the steward's decisions."""

from datetime import UTC, datetime

import pytest

from concord.dedupe import ClusterDecision, find_clusters, in_ledger_terms, resolve_clusters
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


# The shipped company tiers (mappings/crm_accounts.yaml), strongest first.
TIERS = [
    DedupeRule(name="vat_id", fields=("VAT_Id__c",)),
    DedupeRule(name="trade_register", fields=("Trade_Register__c", "BillingCountry")),
    DedupeRule(name="name_country", fields=("Name", "BillingCountry"),
               normalise={"Name": "company_name"}),
]


def company(key: str, name: str, country: str = "DE", vat: str | None = None,
            register: str | None = None) -> StandardRecord:
    return rec(key, Name=name, BillingCountry=country, VAT_Id__c=vat, Trade_Register__c=register)


def test_any_tier_joins_a_pair_and_the_cluster_keeps_the_keys_that_matched() -> None:
    records = [
        company("1", "Müller Bau GmbH", vat="DE811569869"),
        company("2", "Mueller Bau G.m.b.H.", vat="DE811569869", register="HRB 12345"),
        company("3", "Müller & Söhne KG", register="HRB 12345"),  # joined through 2
        company("4", "MÜLLER BAU", country="AT"),  # same name, another country: apart
    ]
    [cluster] = find_clusters(records, TIERS, prefix="crm.companies")
    assert cluster.members == ("1", "2", "3")
    assert cluster.tiers == ("vat_id", "trade_register", "name_country")
    assert cluster.keys == ("vat_id: DE811569869", "trade_register: HRB 12345 | DE",
                            "name_country: muller bau | DE")
    reasons = {(p.a, p.b): p.reasons for p in cluster.pairs}
    assert reasons == {("1", "2"): ("vat_id", "name_country"), ("2", "3"): ("trade_register",)}
    assert not cluster.auto  # `review` is the default


@pytest.mark.parametrize(("a", "b"), [
    ("Hofmann & Zimmermann GmbH", "HOFMANN UND ZIMMERMANN G.M.B.H."),
    ("Dupont Frères SARL", "S.à r.l. Dupont Freres"),
    ("Smith Logistics Ltd", "Smith Logistics Limited"),
    ("Bäckerei Weiß AG", "Baeckerei Weiss Aktiengesellschaft"),
])
def test_the_name_tier_folds_legal_forms_accents_case_and_punctuation(a: str, b: str) -> None:
    [cluster] = find_clusters([company("1", a), company("2", b)], TIERS, prefix="p")
    assert cluster.tiers == ("name_country",)


def test_names_that_fold_to_nothing_and_other_names_do_not_match() -> None:
    records = [company("1", "GmbH & Co. KG"), company("2", "..."), company("3", "..."),
               company("4", "Müller Bau"), company("5", "Müller Holz")]
    clusters = find_clusters(records, TIERS, prefix="p")
    # '...' folds to no key at all; 'GmbH & Co. KG' alone keeps 'gmbh' (a last word stays)
    assert clusters == []


def test_deleted_records_are_not_clustered() -> None:
    records = [company("1", "Müller Bau"),
               StandardRecord("2", T, True, {"Name": "Müller Bau", "BillingCountry": "DE"})]
    assert find_clusters(records, TIERS, prefix="p") == []


# An hourly batch holds only some members of clusters decided at the initial load.
STORED = {"crm.companies-8": ["8", "29", "55"], "crm.companies-11": ["11", "183"],
          "crm.companies-30": ["30", "249"]}
STORED_OF = {k: cid for cid, keys in STORED.items() for k in keys}
DECIDED = {"crm.companies-8": ClusterDecision("keep", "8"),
           "crm.companies-11": ClusterDecision("separate")}


def test_a_merged_away_record_edited_alone_stays_merged_into_the_kept_one() -> None:
    batch = [company("29", "Hofmann Bau", vat="DE811569869"), company("40", "Other AG")]
    clusters = in_ledger_terms(batch, find_clusters(batch, TIERS, prefix="crm.companies"),
                               STORED_OF, STORED)
    outcome = resolve_clusters(batch, clusters, DECIDED)
    assert outcome.merged == {"29": "8"}  # not written over the Account of 8
    assert [r.key for r in outcome.records] == ["40"]
    assert outcome.unresolved == []


def test_members_found_again_keep_their_stored_cluster_and_its_decision() -> None:
    batch = [company("29", "Hofmann Bau", vat="DE811569869"),
             company("55", "HOFMANN BAU GMBH", vat="DE811569869")]
    [cluster] = in_ledger_terms(batch, find_clusters(batch, TIERS, prefix="crm.companies"),
                                STORED_OF, STORED)
    assert cluster.cluster_id == "crm.companies-8"  # not a new cluster 'companies-29'
    assert cluster.members == ("8", "29", "55") and cluster.pairs  # re-recorded with its keys
    outcome = resolve_clusters(batch, [cluster], DECIDED)
    assert outcome.merged == {"29": "8", "55": "8"}  # only the batch's records
    assert outcome.records == []


def test_separated_records_stay_apart_and_undecided_ones_are_held() -> None:
    batch = [company("183", "Dupont SARL"), company("249", "Lehmann Beck")]
    clusters = in_ledger_terms(batch, [], STORED_OF, STORED)
    assert [c.cluster_id for c in clusters] == ["crm.companies-11", "crm.companies-30"]
    outcome = resolve_clusters(batch, clusters, DECIDED)
    assert [r.key for r in outcome.records] == ["183"]  # separate: synced as itself
    assert [c.cluster_id for c in outcome.unresolved] == ["crm.companies-30"]  # waits
