"""Every input record ends as written (created, updated, deleted), unchanged, quarantined or
skipped: the counts add up. Input is what was extracted from the source plus, for a two-way
object, the records changed only in the target (`changed_in_target`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SyncCounts:
    extracted: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    quarantined: int
    skipped: int
    changed_in_target: int = 0

    @property
    def accounted(self) -> int:
        return (self.created + self.updated + self.deleted + self.unchanged + self.quarantined
                + self.skipped)

    @property
    def balanced(self) -> bool:
        return self.accounted == self.extracted + self.changed_in_target

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Drift:
    golden_id: str
    field: str
    expected: Any
    actual: Any


def field_drift(
    expected: Mapping[str, Mapping[str, Any]],
    actual: Mapping[str, Mapping[str, Any]],
    fields: Iterable[str],
) -> list[Drift]:
    """Fields whose value in the target differs from what we wrote (missing records too).

    Values compare as text: the target hands back strings for what we sent as strings
    (a Bulk API read-back hands back text for everything), and None and '' both mean
    "empty" in Salesforce.
    """
    fields = list(fields)
    drift = []
    for golden, want in expected.items():
        have = actual.get(golden)
        if have is None:
            drift.append(Drift(golden, "*", "record", None))
            continue
        for f in fields:
            w, h = want.get(f), have.get(f)
            if w != h and _text(w) != _text(h):  # equal values (nearly all) need no text
                drift.append(Drift(golden, f, w, h))
    return drift


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON and Bulk API CSV write them
    return "" if value is None else str(value)
