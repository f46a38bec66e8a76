"""Planning for two-way objects and for merged-away records: what apply will be asked to do."""

from datetime import UTC, datetime

from concord.identity import content_hash
from concord.match import MatchedRecord
from concord.model import StandardRecord
from concord.ownership import RecordSides, resolve_ownership
from concord.plan import CHANGED_IN_TARGET, MERGED_AWAY, plan_merged_away, plan_two_way, plan_writes
from concord.spec import parse_sync_spec

OBJ = parse_sync_spec("""\
sync: demo
partitions: {start: "2026-01-01"}
objects:
  companies:
    entity: company
    source: {table: companies}
    target: {system: salesforce, object: Account, external_id: Concord_Id__c}
    fields:
      Name: {from: name, required: true}
      Website: {from: website}
    ownership: {leads: {Website: salesforce}}
    on_merge: {action: flag, field: Concord_Duplicate_Of__c}
""").objects["companies"]
OWNERSHIP = resolve_ownership(OBJ)
T = datetime(2026, 10, 1, tzinfo=UTC)


def matched(key: str, golden: str, target: str | None, **fields: object) -> MatchedRecord:
    record = StandardRecord(key, T, False, {"Name": "Acme", "Website": None, **fields})
    return MatchedRecord(record, golden, target, "xref")


def test_an_existing_record_sends_only_the_fields_that_must_change() -> None:
    plan = plan_writes([matched("1", "g1", "001A", Name="Acme GmbH", Website="https://old.example")],
                       OBJ, last_hashes={})
    two_way = plan_two_way(
        plan, OWNERSHIP, external_id="Concord_Id__c",
        salesforce={"g1": {"Id": "001A", "Name": "Acme", "Website": "https://new.example"}},
        baselines={"g1": {"Name": "Acme", "Website": "https://old.example"}},
        rows={"1": {"id": 1, "name": "Acme GmbH", "website": "https://old.example"}},
        decisions={})
    [w] = two_way.writes
    assert (w.action, w.payload) == ("update", {"Name": "Acme GmbH", "Concord_Id__c": "g1"})
    [d] = two_way.ownership.records
    assert d.to_platform == {"website": "https://new.example"}


def test_a_record_changed_only_in_salesforce_is_counted_apart() -> None:
    sides = RecordSides("g2", None, {"Id": "001B", "Name": "Beta", "Website": "https://b.example"},
                        {"Name": "Beta", "Website": None}, row={"id": 2, "name": "Beta"},
                        source_key="2", target_id="001B")
    two_way = plan_two_way(plan_writes([], OBJ, last_hashes={}), OWNERSHIP,
                           external_id="Concord_Id__c", salesforce={}, baselines={}, rows={},
                           decisions={}, target_only=[sides])
    [w] = two_way.writes
    assert w.action == "unchanged" and w.notes == (CHANGED_IN_TARGET,)
    assert two_way.from_target == 1
    assert two_way.ownership.records[0].to_platform == {"website": "https://b.example"}


def test_a_merged_away_record_with_its_own_account_is_flagged_once() -> None:
    args = dict(own_golden={"7": "g7", "8": "g8"}, target_by_golden={"g7": "001G"})
    [w] = plan_merged_away({"7": "g1", "8": "g1"}, OBJ, last_hashes={}, **args).writes
    payload = {"Concord_Duplicate_Of__c": "g1", "Concord_Id__c": "g7"}
    assert (w.golden_id, w.target_id, w.payload, w.notes) == ("g7", "001G", payload, (MERGED_AWAY,))
    done = {"g7": content_hash(payload)}
    assert plan_merged_away({"7": "g1"}, OBJ, last_hashes=done, **args).writes == []
