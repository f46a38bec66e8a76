"""Properties of the three-way diff, for any values, leaders and edits (hypothesis)."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from concord.ownership import (
    MISSING,
    Outcome,
    RecordSides,
    canonical,
    decide_field,
    diff_record,
    parse_ownership,
)
from concord.ownership.spec import other_system
from tests.core.test_ownership_diff import COMPANIES, ROW, standardised, stored_in_salesforce

VALUES = st.sampled_from([None, "a", "b", "c"])
BASELINES = st.one_of(st.just(MISSING), VALUES)
LEADERS = st.sampled_from(["platform", "salesforce"])
RULES = st.sampled_from(["leader_wins", "review"])
DECISIONS = st.sampled_from([None, "platform", "salesforce"])


def _mirror(out: Outcome) -> tuple[Any, ...]:
    flip = {None: None, "platform": "salesforce", "salesforce": "platform"}
    reason = {"platform_changed": "salesforce_changed",
              "salesforce_changed": "platform_changed"}.get(out.reason, out.reason)  # type: ignore[arg-type]
    return flip[out.source], flip[out.write], reason, out.conflict


def _apply(b: Any, p: Any, s: Any, out: Outcome) -> tuple[Any, Any, Any]:
    if out.source is None:
        return b, p, s
    value = p if out.source == "platform" else s
    return value, value, value


@given(BASELINES, VALUES, VALUES, LEADERS, RULES, DECISIONS)
def test_the_rule_is_symmetric_in_the_two_systems(b, p, s, leader, rule, decision) -> None:
    out = decide_field(b, p, s, leader=leader, rule=rule, decision=decision)
    mirrored = decide_field(b, s, p, leader=other_system(leader), rule=rule,
                            decision=other_system(decision) if decision else None)
    assert _mirror(out) == (mirrored.source, mirrored.write, mirrored.reason, mirrored.conflict)


@given(BASELINES, VALUES, VALUES, LEADERS, RULES, DECISIONS)
def test_applying_the_outcome_leaves_nothing_to_do(b, p, s, leader, rule, decision) -> None:
    out = decide_field(b, p, s, leader=leader, rule=rule, decision=decision)
    if out.write is not None:
        assert out.source == other_system(out.write)
    b2, p2, s2 = _apply(b, p, s, out)
    again = decide_field(b2, p2, s2, leader=leader, rule=rule)
    assert again.write is None
    if out.held:  # still there, unchanged, next time: a held conflict is never dropped
        assert again == out
    else:
        assert not again.conflict


@given(BASELINES, VALUES, VALUES, LEADERS, RULES, DECISIONS)
def test_a_conflict_is_never_silent_and_the_last_writer_never_wins(
        b, p, s, leader, rule, decision) -> None:
    out = decide_field(b, p, s, leader=leader, rule=rule, decision=decision)
    other = other_system(leader)
    values = {"platform": p, "salesforce": s}
    both_changed_apart = b is not MISSING and p != b and s != b and p != s
    if both_changed_apart:
        assert out.conflict
        if decision is None:
            assert out.source in (None if rule == "review" else leader,)
    if b is not MISSING and values[other] != b and values[leader] == b:
        assert out.source == leader and out.conflict  # an override, recorded
    if out.source == other and b is not MISSING:
        assert decision == other or (values[other] == values[leader])


# --- whole records through the spec's transforms ---------------------------------------

WRITABLE = ["Name", "Phone", "Website", "Customer_Status__c", "BillingCountry", "AnnualRevenue",
            "BillingCity", "Industry"]
# (platform column, platform spellings, Salesforce spellings): several spellings per value
EDITS: dict[str, tuple[str, list[Any], list[Any]]] = {
    "Name": ("name", ["Alpha GmbH", " Beta  AG", "Gamma KG"], ["Alpha GmbH", "Beta AG", "Delta SE"]),
    "Phone": ("phone", ["+49 89 123456", "+4930 1234567", "0043 1 2345678"],
              ["+4989123456", "+49 30 1234567", "+43 1 2345678"]),
    "Website": ("website", ["a.test", "b.test", None], ["a.test", "", "c.test"]),
    "Customer_Status__c": ("customer_status", ["lead", "Customer", "former"],
                           ["Lead", "customer", "Former Customer"]),
    "BillingCountry": ("country", ["Deutschland", "DE", "Österreich"], ["DE", "Germany", "AT"]),
    "AnnualRevenue": ("credit_limit", ["1.250,50", "99", "0,10"], [1250.5, 99.0, 0.1]),
    "BillingCity": ("city", ["Köln", "Wien", None], ["Köln", "Graz", None]),
    "Industry": ("industry", ["construction", "Banking", "other"],
                 ["Construction", "banking", "Other"]),
}


@st.composite
def edits(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = draw(st.lists(st.sampled_from(WRITABLE), unique=True, max_size=4))
    pf, sf = {}, {}
    for f in fields:
        col, pf_values, sf_values = EDITS[f]
        side = draw(st.sampled_from(["platform", "salesforce", "both"]))
        if side in ("platform", "both"):
            pf[col] = draw(st.sampled_from(pf_values))
        if side in ("salesforce", "both"):
            sf[f] = draw(st.sampled_from(sf_values))
    return pf, sf


LEADS = st.dictionaries(st.sampled_from(WRITABLE), LEADERS, max_size=len(WRITABLE))


def _sync(row: dict, sf: dict, baseline: dict | None, own: Any) -> tuple[Any, dict, dict]:
    diff = diff_record(RecordSides("g", standardised(row), sf, baseline, row), own)
    return diff, {**row, **diff.to_platform}, stored_in_salesforce(diff.to_salesforce, sf)


@settings(max_examples=300)
@given(LEADS, RULES, edits(), edits())
def test_records_converge_and_concords_writes_never_echo(leads, rule, first, second) -> None:
    own = parse_ownership(COMPANIES, {"leads": leads, "on_conflict": rule})
    row = dict(ROW)
    sf = stored_in_salesforce(standardised(row))
    diff, row, sf = _sync(row, sf, None, own)
    baseline = diff.baseline
    held_before: set[str] = set()
    for pf_edit, sf_edit in (first, second):
        row, sf = {**row, **pf_edit}, {**sf, **sf_edit}
        diff, row, sf = _sync(row, sf, baseline, own)
        for c in diff.conflicts:  # each names a field someone edited (or one still held;
            # or a phone the platform reads anew because someone edited its row's country)
            edited = {*sf_edit, *(f for f in WRITABLE if EDITS[f][0] in pf_edit), *held_before}
            assert c.field in edited or own.obj.fields[c.field].country_field in pf_edit
        held_before = {c.field for c in diff.conflicts if c.held}
        baseline = diff.baseline
        echo = diff_record(RecordSides("g", standardised(row), sf, baseline, row), own)
        assert echo.nothing_to_write, echo  # our own writes are not changes
        assert echo.conflicts == tuple(c for c in diff.conflicts if c.held)
        assert not echo.baseline_changed
        held = {c.field for c in diff.conflicts if c.held}
        agreed = {f for f in WRITABLE if f not in held}
        pf_now, sf_now = standardised(row), sf
        for f in agreed:  # everything not held agrees on both sides afterwards
            fo = own.fields[f]
            assert canonical(fo, own.obj, pf_now.get(f), row) == canonical(
                fo, own.obj, sf_now.get(f), row)
