"""Golden ids are uuid5 of the first source record, stable across releases."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from concord.identity import _NAMESPACE, golden_id_for


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=40))
def test_golden_id_is_the_uuid5_of_system_object_and_key(system: str, obj: str, key: str) -> None:
    assert golden_id_for(system, obj, key) == uuid.uuid5(_NAMESPACE, f"{system}/{obj}/{key}").hex


def test_golden_ids_already_in_ledgers_stay_what_they_were() -> None:
    # what the release before computed with uuid.uuid5(...).hex for this key
    assert golden_id_for("platform", "companies", "17") == "0cf003066d1057edba43c99b4addd760"
