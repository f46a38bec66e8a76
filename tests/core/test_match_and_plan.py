"""Matching to golden ids and planning writes: what a re-run and a pre-filled org rely on."""

from datetime import UTC, datetime

from concord.identity import content_hash, golden_id_for, idempotency_key
from concord.match import MatchContext, match_records
from concord.model import StandardRecord
from concord.plan import plan_writes
from concord.spec import parse_sync_spec

SPEC = parse_sync_spec("""\
sync: demo
partitions: {start: "2026-01-01"}
objects:
  companies:
    entity: company
    source: {table: companies}
    target: {system: salesforce, object: Account, external_id: Concord_Id__c}
    fields:
      Name: {from: name, required: true}
      VAT_Id__c: {from: vat_id}
      OwnerId: {from: rep, transform: owner}
    owners: {house_account: "005HOUSE"}
    match_on: [VAT_Id__c]
""").objects["companies"]
T = datetime(2026, 10, 1, tzinfo=UTC)


def rec(key: str, **fields: object) -> StandardRecord:
    return StandardRecord(key, T, False, {"Name": f"Co {key}", "VAT_Id__c": None,
                                          "OwnerId": "005A", **fields})


def ctx(**kw) -> MatchContext:
    base = dict(source_system="platform", source_obj="companies", golden_by_source={},
                target_by_golden={}, golden_by_target={}, targets_by_key={})
    return MatchContext(**{**base, **kw})


def test_golden_ids_are_stable_and_distinct() -> None:
    assert golden_id_for("platform", "companies", "1") == golden_id_for("platform", "companies", "1")
    assert golden_id_for("platform", "companies", "1") != golden_id_for("platform", "companies", "2")
    assert golden_id_for("platform", "companies", "1") != golden_id_for("platform", "contacts", "1")


def test_new_record_gets_its_derived_golden_id() -> None:
    result = match_records([rec("1")], SPEC.match_on, ctx())
    [m] = result.matched
    assert (m.golden_id, m.target_id, m.how) == (golden_id_for("platform", "companies", "1"), None, "new")


def test_existing_target_record_is_adopted_by_key_not_duplicated() -> None:
    result = match_records([rec("1", VAT_Id__c="DE1")], SPEC.match_on,
                           ctx(targets_by_key={("VAT_Id__c", "de1"): ["001X"]}))
    [m] = result.matched
    assert m.target_id == "001X" and m.how == "key:VAT_Id__c"


def test_duplicate_of_an_entity_synced_earlier_is_merged_away() -> None:
    leader = golden_id_for("platform", "companies", "1")
    result = match_records([rec("7", VAT_Id__c="DE1")], SPEC.match_on, ctx(
        targets_by_key={("VAT_Id__c", "de1"): ["001X"]}, golden_by_target={"001X": leader}))
    assert result.matched == []
    [merged] = result.merged
    assert merged.golden_id == leader and merged.key == "7"


def test_xref_wins_over_keys() -> None:
    result = match_records([rec("1", VAT_Id__c="DE1")], SPEC.match_on, ctx(
        golden_by_source={"1": "G1"}, target_by_golden={"G1": "001A"},
        targets_by_key={("VAT_Id__c", "de1"): ["001B"]}))
    [m] = result.matched
    assert (m.golden_id, m.target_id, m.how) == ("G1", "001A", "xref")


def test_plan_skips_what_was_already_written() -> None:
    matched = match_records([rec("1"), rec("2")], SPEC.match_on, ctx()).matched
    first = plan_writes(matched, SPEC, last_hashes={}, active_users={"005A"})
    assert first.counts() == {"create": 2, "update": 0, "unchanged": 0, "delete": 0}
    written = {w.golden_id: w.payload_hash for w in first.writes}
    again = plan_writes(matched, SPEC, last_hashes=written, active_users={"005A"})
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 2, "delete": 0}
    assert again.to_send() == []


def test_inactive_owner_goes_to_the_house_account() -> None:
    matched = match_records([rec("1", OwnerId="005GONE"), rec("2")], SPEC.match_on, ctx()).matched
    plan = plan_writes(matched, SPEC, last_hashes={}, active_users={"005A"})
    owners = {w.source_key: w.payload["OwnerId"] for w in plan.writes}
    assert owners == {"1": "005HOUSE", "2": "005A"}
    assert plan.noted("owner_to_house_account") == 1


def test_payload_carries_the_golden_id_as_external_id() -> None:
    matched = match_records([rec("1")], SPEC.match_on, ctx()).matched
    [w] = plan_writes(matched, SPEC, last_hashes={}).writes
    assert w.payload["Concord_Id__c"] == w.golden_id


def test_content_hash_ignores_key_order_and_trailing_zeros() -> None:
    from decimal import Decimal

    assert content_hash({"a": 1, "b": Decimal("1.50")}) == content_hash({"b": Decimal("1.5"), "a": 1})
    assert content_hash({"a": Decimal("10")}) == content_hash({"a": Decimal("1E+1")})
    assert content_hash({"a": "x"}) != content_hash({"a": "y"})


def test_idempotency_key_is_stable() -> None:
    assert idempotency_key("a", "b") == idempotency_key("a", "b")
    assert idempotency_key("a", "b") != idempotency_key("ab", "")


CONTACTS = parse_sync_spec("""\
sync: demo
partitions: {start: "2026-01-01"}
objects:
  companies:
    entity: company
    source: {table: companies}
    target: {system: salesforce, object: Account, external_id: Concord_Id__c}
    fields: {Name: {from: name}}
  contacts:
    entity: person
    source: {table: contacts}
    target: {system: salesforce, object: Contact, external_id: Concord_Id__c}
    fields:
      LastName: {from: last_name}
      AccountId: {from: company_id, transform: reference, references: companies}
""").objects["contacts"]


def test_references_become_target_ids_or_wait_for_their_record() -> None:
    people = [StandardRecord("1", T, False, {"LastName": "A", "AccountId": "10"}),
              StandardRecord("2", T, False, {"LastName": "B", "AccountId": "11"}),
              StandardRecord("3", T, False, {"LastName": "C", "AccountId": None})]
    matched = match_records(people, (), ctx(source_obj="contacts")).matched
    plan = plan_writes(matched, CONTACTS, last_hashes={},
                       reference_ids={"AccountId": {"10": "001TEN"}})
    assert {w.source_key: w.payload["AccountId"] for w in plan.writes} == {"1": "001TEN", "3": None}
    [skip] = plan.skipped
    assert skip.source_key == "2" and "companies 11" in skip.reason


def test_a_reference_must_point_at_an_earlier_object() -> None:
    import pytest

    from concord.errors import SpecError

    text = """\
sync: demo
partitions: {start: "2026-01-01"}
objects:
  contacts:
    entity: person
    source: {table: contacts}
    target: {system: salesforce, object: Contact, external_id: Concord_Id__c}
    fields: {AccountId: {from: company_id, transform: reference, references: companies}}
"""
    with pytest.raises(SpecError, match="listed before it"):
        parse_sync_spec(text)


def test_source_deletes_follow_the_policy() -> None:
    from concord.plan import DELETED_BY_CONCORD, plan_deletes
    from concord.spec.model import DeletePolicy

    ids = {"golden_by_source": {"1": "G1", "2": "G2"}, "target_by_golden": {"G1": "001A"}}
    ignore = plan_deletes(["1"], SPEC, last_hashes={}, **ids)
    assert ignore.writes == [] and "ignore" in ignore.skipped[0].reason

    delete = SPEC.model_copy(update={"on_delete": DeletePolicy(action="delete")})
    plan = plan_deletes(["1", "2", "3"], delete, last_hashes={}, **ids)
    assert [(w.source_key, w.action, w.target_id) for w in plan.writes] == [("1", "delete", "001A")]
    assert sorted(k.source_key for k in plan.skipped) == ["2", "3"]  # never synced
    again = plan_deletes(["1"], delete, last_hashes={"G1": DELETED_BY_CONCORD}, **ids)
    assert again.counts()["unchanged"] == 1

    flag = SPEC.model_copy(update={"on_delete": DeletePolicy(action="flag", field="Name", value="(gone)")})
    [w] = plan_deletes(["1"], flag, last_hashes={}, **ids).writes
    assert w.action == "update" and w.payload["Name"] == "(gone)"


def test_a_record_deleted_in_the_target_is_not_recreated() -> None:
    from concord.plan import DELETED_IN_TARGET

    matched = match_records([rec("1")], SPEC.match_on, ctx()).matched
    plan = plan_writes(matched, SPEC, last_hashes={matched[0].golden_id: DELETED_IN_TARGET})
    assert plan.writes == []
    assert "not re-created" in plan.skipped[0].reason
