"""Golden ids and content hashes: what ledgers already hold must still match."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from concord.identity import _NAMESPACE, _canonical, content_hash, golden_id_for


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=40))
def test_golden_id_is_the_uuid5_of_system_object_and_key(system: str, obj: str, key: str) -> None:
    assert golden_id_for(system, obj, key) == uuid.uuid5(_NAMESPACE, f"{system}/{obj}/{key}").hex


def test_golden_ids_already_in_ledgers_stay_what_they_were() -> None:
    # what the release before computed with uuid.uuid5(...).hex for this key
    assert golden_id_for("platform", "companies", "17") == "0cf003066d1057edba43c99b4addd760"


_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False), st.dates(),
    st.datetimes(timezones=st.just(UTC)))


def _hash_as_before(payload: dict[str, Any]) -> str:
    """content_hash as the release before computed it (the ledger holds such hashes)."""
    canon = {k: _canonical(v) for k, v in sorted(payload.items())}
    blob = json.dumps(canon, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@given(st.dictionaries(st.text(max_size=10), _values, max_size=8))
def test_content_hash_is_the_one_stored_hashes_were_made_with(payload: dict[str, Any]) -> None:
    assert content_hash(payload) == _hash_as_before(payload)


def test_a_stored_content_hash_still_matches() -> None:
    payload = {"Name": "Müller Bau GmbH", "Amount": Decimal("1.50"), "When": date(2026, 1, 2),
               "At": datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "N": 3, "F": 1.25, "B": True,
               "X": None}
    assert content_hash(payload) == "30cab64fa7c078ca86ad1dbb02174e45f86c95ba6237f4071b4d880f223794fc"
