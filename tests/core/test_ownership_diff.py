"""The three-way diff: each side's edits reach the other, conflicts are recorded, and
Concord's own writes never come back as changes (no echo loops)."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from concord.model import SourceRecord
from concord.ownership import (
    MISSING,
    RecordSides,
    created_baseline,
    decide_field,
    diff_record,
    parse_ownership,
)
from concord.ownership.diff import RecordDiff
from concord.spec import load_sync_spec
from concord.standardise.records import standardise_record
from resources.salesforce.values import json_value
from sandbox.salesforce import schema as sf_schema
from sandbox.salesforce.writes import _coerce

ROOT = Path(__file__).resolve().parents[2]
CRM = load_sync_spec(ROOT / "mappings" / "crm_accounts.yaml")
COMPANIES = CRM.objects["companies"].model_dump(by_alias=True)
COMPANIES["fields"]["AnnualRevenue"] = {"from": "credit_limit", "transform": "money"}
SF_LED = {"Phone": "salesforce", "BillingCountry": "salesforce", "Website": "salesforce",
          "Customer_Status__c": "salesforce", "AnnualRevenue": "salesforce"}
OWN = parse_ownership(COMPANIES, {"leads": SF_LED})
REVIEW = parse_ownership(COMPANIES, {"leads": SF_LED, "on_conflict": "review"})
T = datetime(2026, 10, 1, tzinfo=UTC)

ROW = {"id": 7, "name": "Müller Bau GmbH", "vat_id": "DE 136 695 976", "trade_register_no": None,
       "street": "Hauptstr. 1", "postal_code": "80331", "city": "München",
       "country": "Deutschland", "phone": "089 / 12 34 56", "website": "mueller-bau.de",
       "industry": "construction", "customer_status": "customer",
       "sales_rep_user_id": "0055g00000000AAAAA", "credit_limit": "1.250,50",
       "updated_at": "2026-09-30 10:00:00"}


def standardised(row: dict[str, Any]) -> dict[str, Any]:
    """The platform side as the sync sees it: the row through the spec's transforms."""
    rec = standardise_record(SourceRecord("7", T, False, row), OWN.obj)
    assert not hasattr(rec, "rule"), rec
    return dict(rec.fields)  # type: ignore[union-attr]


def stored_in_salesforce(payload: dict[str, Any], before: dict[str, Any] | None = None
                         ) -> dict[str, Any]:
    """What Salesforce holds after an update: the values as sent over JSON, coerced the way
    the (sandbox) org stores them (money comes back as a float: 1250.5 for 1250.50)."""
    account = sf_schema.sobject("Account")
    assert account is not None
    out = dict(before or {})
    for name, value in payload.items():
        fdef = account.field(name)
        assert fdef is not None, name
        out[name] = _coerce(fdef, json_value(value))
    return out


def sides(platform: dict | None, salesforce: dict | None, baseline: dict | None,
          row: dict | None = None, **kw: Any) -> RecordSides:
    return RecordSides("g7", platform, salesforce, baseline, row or ROW, source_key="7",
                       target_id="001000000000007AAA", **kw)


def sync_once(row: dict, sf: dict, baseline: dict | None, own=OWN
              ) -> tuple[RecordDiff, dict, dict, dict]:
    """One run: diff, then apply both writes and keep the new baseline."""
    diff = diff_record(sides(standardised(row), sf, baseline, row), own)
    row_after = {**row, **diff.to_platform}
    sf_after = stored_in_salesforce(diff.to_salesforce, sf)
    return diff, row_after, sf_after, diff.baseline


@pytest.fixture
def agreed() -> tuple[dict, dict, dict]:
    """A record both systems agree on after a first sync: row, Salesforce record, baseline."""
    sf = stored_in_salesforce(standardised(ROW))
    diff, row, sf, baseline = sync_once(ROW, sf, None)
    assert diff.nothing_to_write and not diff.conflicts
    return row, sf, baseline


# --- the rule for one field -------------------------------------------------------------

@pytest.mark.parametrize(("b", "p", "s", "leader", "rule", "expect"), [
    ("a", "a", "a", "platform", "leader_wins", (None, None, None, False)),
    ("a", "x", "a", "platform", "leader_wins", ("platform", "salesforce", "platform_changed", False)),
    ("a", "a", "x", "salesforce", "leader_wins", ("salesforce", "platform", "salesforce_changed", False)),
    ("a", "a", "x", "platform", "leader_wins", ("platform", "salesforce", "override", True)),
    ("a", "x", "a", "salesforce", "review", ("salesforce", "platform", "override", True)),
    ("a", "x", "x", "platform", "review", ("platform", None, None, False)),
    ("a", "x", "y", "platform", "leader_wins", ("platform", "salesforce", "conflict", True)),
    ("a", "x", "y", "salesforce", "leader_wins", ("salesforce", "platform", "conflict", True)),
    ("a", "x", "y", "salesforce", "review", (None, None, "conflict", True)),
    (MISSING, "x", "y", "salesforce", "review", ("salesforce", "platform", "initial", False)),
    (MISSING, None, "y", "platform", "review", ("salesforce", "platform", "initial", False)),
    (MISSING, "x", "x", "platform", "review", ("platform", None, None, False)),
])
def test_the_three_way_rule(b, p, s, leader, rule, expect) -> None:
    out = decide_field(b, p, s, leader=leader, rule=rule)
    assert (out.source, out.write, out.reason, out.conflict) == expect


def test_a_stewards_decision_settles_a_held_conflict_for_either_side() -> None:
    out = decide_field("a", "x", "y", leader="platform", rule="review", decision="salesforce")
    assert (out.source, out.write, out.reason) == ("salesforce", "platform", "decided")


# --- records ----------------------------------------------------------------------------

def test_each_side_edits_its_own_fields_and_both_arrive(agreed) -> None:
    row, sf, baseline = agreed
    row = {**row, "name": "Müller Bau AG", "industry": "engineering"}
    sf = {**sf, "Phone": "+49 89 987654", "Customer_Status__c": "Former Customer",
          "BillingCountry": "Österreich", "AnnualRevenue": 2000.0}
    diff, row, sf, baseline = sync_once(row, sf, baseline)
    assert diff.to_salesforce == {"Name": "Müller Bau AG", "Industry": "Engineering"}
    assert diff.to_platform == {  # in the platform's own terms: the reverse of each transform
        "phone": "+4989987654", "customer_status": "former", "country": "AT",
        "credit_limit": "2000"}
    assert diff.platform_before == {"phone": "089 / 12 34 56", "customer_status": "customer",
                                    "country": "Deutschland", "credit_limit": "1.250,50"}
    assert not diff.conflicts
    assert {c.field: c.reason for c in diff.changes} == {
        "Name": "platform_changed", "Industry": "platform_changed",
        "Phone": "salesforce_changed", "Customer_Status__c": "salesforce_changed",
        "BillingCountry": "salesforce_changed", "AnnualRevenue": "salesforce_changed"}
    again, *_ = sync_once(row, sf, baseline)
    assert again.nothing_to_write and not again.conflicts and not again.baseline_changed


def test_an_edit_where_the_field_is_not_led_is_overwritten_and_reported(agreed) -> None:
    row, sf, baseline = agreed
    sf = {**sf, "Name": "Mueller Construction"}      # platform leads Name
    row = {**row, "website": "www.example.test"}     # Salesforce leads Website
    diff, row, sf, baseline = sync_once(row, sf, baseline)
    assert diff.to_salesforce == {"Name": "Müller Bau GmbH"}
    assert diff.to_platform == {"website": "mueller-bau.de"}
    assert {(c.field, c.kind, c.resolution) for c in diff.conflicts} == {
        ("Name", "override", "platform"), ("Website", "override", "salesforce")}
    name = next(c for c in diff.conflicts if c.field == "Name")
    assert (name.baseline, name.platform, name.salesforce) == (
        "Müller Bau GmbH", "Müller Bau GmbH", "Mueller Construction")
    assert sync_once(row, sf, baseline)[0].nothing_to_write


def test_both_sides_changed_apart_the_leader_wins_and_the_conflict_is_recorded(agreed) -> None:
    row, sf, baseline = agreed
    row = {**row, "phone": "089 111111", "name": "Müller Hoch- und Tiefbau"}
    sf = {**sf, "Phone": "+49 89 222222", "Name": "Müller Tiefbau"}
    diff, row, sf, baseline = sync_once(row, sf, baseline)
    assert diff.to_platform == {"phone": "+4989222222"}
    assert diff.to_salesforce == {"Name": "Müller Hoch- und Tiefbau"}
    assert {(c.field, c.kind, c.resolution, c.platform, c.salesforce) for c in diff.conflicts} == {
        ("Phone", "conflict", "salesforce", "+4989111111", "+4989222222"),
        ("Name", "conflict", "platform", "Müller Hoch- und Tiefbau", "Müller Tiefbau")}
    assert sync_once(row, sf, baseline)[0].nothing_to_write


def test_under_review_a_conflict_is_held_until_a_steward_decides(agreed) -> None:
    row, sf, baseline = agreed
    row = {**row, "phone": "089 111111"}
    sf = {**sf, "Phone": "+49 89 222222", "Website": "new.example.test"}
    diff, row2, sf2, baseline2 = sync_once(row, sf, baseline, REVIEW)
    assert diff.to_platform == {"website": "new.example.test"}  # the unconflicted field flows
    [held] = diff.conflicts
    assert (held.field, held.kind, held.resolution, held.held) == ("Phone", "conflict", "held", True)
    assert baseline2["Phone"] == baseline["Phone"]  # kept: the conflict stays visible
    again, *_ = sync_once(row2, sf2, baseline2, REVIEW)
    assert again.nothing_to_write and again.conflicts == diff.conflicts  # not dropped
    decided = diff_record(sides(standardised(row2), sf2, baseline2, row2,
                                decisions={"Phone": "platform"}), REVIEW)
    assert decided.to_salesforce == {"Phone": "+4989111111"} and decided.decided == ("Phone",)
    assert not decided.conflicts  # recorded when held; the ledger marks the decision applied


def test_both_sides_changed_alike_is_no_conflict(agreed) -> None:
    row, sf, baseline = agreed
    diff, *_ = sync_once({**row, "phone": "+49 (0)89 555555"}, {**sf, "Phone": "089 555555"},
                         baseline)
    assert diff.nothing_to_write and not diff.conflicts
    assert diff.baseline["Phone"] == "+4989555555" and diff.baseline_changed


@pytest.mark.parametrize(("field", "salesforce_value"), [
    ("AnnualRevenue", 1250.5),                 # Decimal('1250.50') read back as a float
    ("AnnualRevenue", Decimal("1250.500")),
    ("Phone", "+49 89 123456"),                # formatted the way Salesforce users type it
    ("Website", "  mueller-bau.de "),          # padded
    ("Customer_Status__c", "customer"),        # picklist values match case-insensitively
    ("BillingCountry", "Germany"),             # a country name for the same code
    ("VAT_Id__c", "de136695976"),
    ("Trade_Register__c", ""),                 # "" and None are both empty
])
def test_other_spellings_of_the_same_value_are_no_change(agreed, field, salesforce_value) -> None:
    row, sf, baseline = agreed
    diff = diff_record(sides(standardised(row), {**sf, field: salesforce_value}, baseline), OWN)
    assert diff.nothing_to_write and not diff.conflicts


def test_contact_emails_compare_case_insensitively() -> None:
    contacts = CRM.objects["contacts"]
    own = parse_ownership(contacts, {"leads": {"Email": "salesforce"}})
    base = {"Email": "max@example.test", "LastName": "Muster"}
    same = diff_record(RecordSides("g", base, {**base, "Email": " Max@Example.TEST "}, base), own)
    assert same.nothing_to_write
    moved = diff_record(RecordSides("g", base, {**base, "Email": "Max@Neu.test"}, base), own)
    assert moved.to_platform == {"email": "max@neu.test"}


def test_a_salesforce_value_the_platform_cannot_take_is_held_and_reported(agreed) -> None:
    row, sf, baseline = agreed
    sf = {**sf, "Customer_Status__c": "Partner", "Phone": "call Anna"}
    diff = diff_record(sides(standardised(row), sf, baseline), OWN)
    assert diff.nothing_to_write
    kinds = {c.field: (c.kind, c.resolution) for c in diff.conflicts}
    assert kinds == {"Customer_Status__c": ("unmappable", "held"), "Phone": ("unmappable", "held")}
    detail = next(c.detail for c in diff.conflicts if c.field == "Customer_Status__c")
    assert "'Partner' is not a valid value_table value" in detail
    assert diff.baseline == baseline


def test_a_side_not_read_counts_as_unchanged_since_the_baseline(agreed) -> None:
    row, sf, baseline = agreed
    diff = diff_record(sides(None, {**sf, "Website": "neu.example.test"}, baseline), OWN)
    assert diff.to_platform == {"website": "neu.example.test"}
    assert diff_record(sides(standardised(row), None, baseline), OWN).nothing_to_write
    with pytest.raises(ValueError, match="without a baseline both sides must be given"):
        diff_record(sides(None, sf, None), OWN)


def test_at_the_first_link_the_leader_wins_but_an_empty_leader_is_filled() -> None:
    platform = standardised(ROW)
    sf = stored_in_salesforce({**platform, "Name": "Mueller", "Website": None, "Phone": "+4930123456"})
    diff = diff_record(sides(platform, sf, None), OWN)
    assert diff.to_salesforce == {"Name": "Müller Bau GmbH", "Website": "mueller-bau.de"}
    assert diff.to_platform == {"phone": "+4930123456"}
    assert not diff.conflicts
    assert {c.field: c.reason for c in diff.changes} == {
        "Name": "initial", "Website": "initial", "Phone": "initial"}


def test_concords_writes_read_back_on_both_sides_are_no_change(agreed) -> None:
    """Write -> read back -> diff: nothing, through every transform on the way."""
    row, sf, baseline = agreed
    edits_pf = {"name": "  Müller   Bau AG ", "vat_id": "ATU 13585627", "street": "Ring 2",
                "industry": "Food & Beverage", "trade_register_no": "HRB 4711 Amtsgericht Köln"}
    edits_sf = {"Phone": "0043 1 234 5678", "BillingCountry": "at", "AnnualRevenue": 99.9,
                "Website": "https://müller.example.test", "Customer_Status__c": "PROSPECT"}
    diff, row, sf, baseline = sync_once({**row, **edits_pf}, {**sf, **edits_sf}, baseline)
    assert set(diff.to_salesforce) == {"Name", "VAT_Id__c", "BillingStreet", "Industry",
                                       "Trade_Register__c"}
    assert diff.to_platform == {"phone": "+4312345678", "country": "AT", "credit_limit": "99.9",
                                "website": "https://müller.example.test",
                                "customer_status": "prospect"}
    assert not diff.conflicts
    echo = diff_record(sides(standardised(row), sf, baseline, row), OWN)
    assert echo.nothing_to_write and not echo.conflicts and not echo.baseline_changed


def test_a_country_written_back_does_not_change_how_the_platform_reads_its_phone(agreed) -> None:
    """'089 / 12 34 56' is a Munich number read in Germany; once Salesforce moves the
    company to Austria it would read as another number: it is kept, as E.164."""
    row, sf, baseline = agreed
    own = parse_ownership(COMPANIES, {"leads": {"BillingCountry": "salesforce"}})
    assert row["phone"] == "089 / 12 34 56"
    diff = diff_record(sides(standardised(row), {**sf, "BillingCountry": "AT"}, baseline, row), own)
    assert diff.to_platform == {"country": "AT", "phone": "+4989123456"}
    assert [(c.field, c.reason) for c in diff.changes] == [
        ("BillingCountry", "salesforce_changed"), ("Phone", "kept")]
    row = {**row, **diff.to_platform}
    sf = stored_in_salesforce(diff.to_salesforce, {**sf, "BillingCountry": "AT"})
    echo = diff_record(sides(standardised(row), sf, diff.baseline, row), own)
    assert echo.nothing_to_write and not echo.conflicts


def test_a_record_concord_created_reads_back_as_no_change() -> None:
    """At the initial load the baseline is the payload sent, no canonicalising needed."""
    payload = {**standardised(ROW), "Concord_Id__c": "g7"}
    baseline = created_baseline(payload, OWN)
    assert "Concord_Id__c" not in baseline and baseline["Phone"] == "+4989123456"
    sf = stored_in_salesforce(payload)  # AnnualRevenue comes back as 1250.5
    diff = diff_record(sides(standardised(ROW), sf, baseline), OWN)
    assert diff.nothing_to_write and not diff.conflicts and not diff.baseline_changed
