"""Records survive the step store's pickle round trip, old pickles included."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from concord.model import Rejection, SourceRecord, StandardRecord

_values = st.dictionaries(st.text(max_size=8), st.one_of(
    st.none(), st.text(max_size=12), st.integers(), st.decimals(allow_nan=False, places=2)),
    max_size=5)
_when = st.datetimes(timezones=st.just(UTC))


@given(st.text(max_size=8), _when, st.booleans(), _values, st.lists(st.text(max_size=5)))
def test_records_round_trip_through_pickle(key, when, deleted, values, warnings) -> None:
    for record in (SourceRecord(key, when, deleted, values),
                   StandardRecord(key, when, deleted, values, tuple(warnings)),
                   Rejection(key, "email.syntax", None, "bad", values)):
        back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == record and type(back) is type(record)


def test_a_pickle_written_before_records_pickled_by_fields_still_loads(monkeypatch) -> None:
    """A blocked run's step outputs stored by the previous release are re-read after an
    upgrade: the slotted dataclass default (class, then field values for __setstate__)."""
    when = datetime(2026, 9, 1, 8, tzinfo=UTC)
    records = (SourceRecord("7", when, False, {"net": Decimal("1.10")}),
               StandardRecord("7", when, False, {"Name": "Firma"}, ("phone.invalid",)))
    with monkeypatch.context() as before:
        for cls in (SourceRecord, StandardRecord):
            before.delattr(cls, "__reduce__")
        old = pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
    assert b"__reduce__" not in old and pickle.loads(old) == records
    assert pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL) != old  # the new form
