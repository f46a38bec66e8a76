from hypothesis import given
from hypothesis import strategies as st

from concord.reconcile import SyncCounts, field_drift


def test_counts_balance_only_when_every_record_is_accounted_for() -> None:
    ok = SyncCounts(extracted=10, created=3, updated=1, deleted=1, unchanged=1, quarantined=3, skipped=1)
    assert ok.balanced
    lost = SyncCounts(extracted=10, created=3, updated=1, deleted=1, unchanged=1, quarantined=3, skipped=0)
    assert not lost.balanced and lost.accounted == 9


def test_drift_reports_changed_fields_and_missing_records() -> None:
    expected = {"g1": {"Name": "A", "Phone": None}, "g2": {"Name": "B", "Phone": "+49"}}
    actual = {"g1": {"Name": "A", "Phone": ""}}
    drift = field_drift(expected, actual, ["Name", "Phone"])
    assert [(d.golden_id, d.field) for d in drift] == [("g2", "*")]
    actual["g2"] = {"Name": "B.", "Phone": "+49"}
    drift = field_drift(expected, actual, ["Name", "Phone"])
    assert [(d.golden_id, d.field, d.expected, d.actual) for d in drift] == [("g2", "Name", "B", "B.")]


def test_drift_compares_a_bulk_read_back_as_text_booleans_included() -> None:
    """A Bulk API read-back is all text: 'true' is what was written as True, not drift."""
    expected = {"g1": {"Active__c": True, "Name": "A"}, "g2": {"Active__c": False, "Name": "B"}}
    from_bulk = {"g1": {"Active__c": "true", "Name": "A"}, "g2": {"Active__c": "true", "Name": "B"}}
    drift = field_drift(expected, from_bulk, ["Active__c", "Name"])
    assert [(d.golden_id, d.field) for d in drift] == [("g2", "Active__c")]
    from_rest = {"g1": {"Active__c": True, "Name": "A"}, "g2": {"Active__c": False, "Name": "B"}}
    assert field_drift(expected, from_rest, ["Active__c", "Name"]) == []


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=3), st.booleans()),
                          st.one_of(st.none(), st.text(max_size=3), st.booleans())), max_size=20))
def test_a_field_drifts_exactly_when_its_text_differs(values: list[tuple]) -> None:
    def text(v: object) -> str:
        return "" if v is None else ("true" if v else "false") if isinstance(v, bool) else str(v)

    expected = {"g": {f"F{i}": w for i, (w, _) in enumerate(values)}}
    actual = {"g": {f"F{i}": h for i, (_, h) in enumerate(values)}}
    drifted = {d.field for d in field_drift(expected, actual, [f"F{i}" for i in range(len(values))])}
    assert drifted == {f"F{i}" for i, (w, h) in enumerate(values) if text(w) != text(h)}
