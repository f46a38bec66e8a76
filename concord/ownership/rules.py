"""The three-way rule for one field: baseline, platform value, Salesforce value.

The baseline is the value both systems agreed on after the last sync that wrote or
compared the field. Against it, each side either changed or did not:

| platform    | Salesforce  | outcome                                                        |
|-------------|-------------|----------------------------------------------------------------|
| unchanged   | unchanged   | nothing                                                        |
| changed     | unchanged   | platform leads: flows to Salesforce. Salesforce leads: the     |
|             |             | platform edit is *overridden* with Salesforce's value, and     |
|             |             | recorded so a steward sees who edits fields they do not own    |
| unchanged   | changed     | the mirror image                                               |
| both, alike | both, alike | nothing to write; the new value becomes the baseline           |
| both, apart | both, apart | a *conflict*, always recorded: `leader_wins` writes the        |
|             |             | leader's value; `review` holds the field (neither side         |
|             |             | written, baseline kept) until a steward decides a side         |

Why an edit on the side that does not lead is overwritten rather than kept or ignored:
the spec says who owns the field (seeds/002: "a leading system should be determined ...
all data entry and updates should be done in the leading system"). Keeping the edit
would make the non-leader lead after all; ignoring it would leave the systems disagreeing
with nobody told. Overwriting restores agreement at once, and the recorded override shows
the steward which record and field someone edited in the wrong place.

With no baseline (a record linked at the initial load, or a field newly mapped) nothing
can be said about who changed what: the leader's value wins, except that an empty leader
value does not wipe a value the other side has; that value fills the leader instead.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from concord.ownership.spec import ConflictRule, System, other_system

Reason = Literal[
    "platform_changed", "salesforce_changed", "initial", "override", "conflict", "decided",
    "kept",  # rewritten in a country-free form because its row's country changed (diff.py)
]

MISSING: Hashable = object()  # no baseline for this field


@dataclass(frozen=True)
class Outcome:
    """`source`: the side whose value both sides hold afterwards, and so the new baseline
    (None: nothing to do, or the field is held). `write`: the side that must be written to
    get there (None: already alike, or held)."""

    source: System | None
    write: System | None
    reason: Reason | None
    conflict: bool = False

    @property
    def held(self) -> bool:
        """A conflict left for review: nothing written, the baseline kept."""
        return self.conflict and self.source is None


NOTHING = Outcome(None, None, None)


def decide_field(
    baseline: Hashable,
    platform: Hashable,
    salesforce: Hashable,
    *,
    leader: System,
    rule: ConflictRule,
    decision: System | None = None,
) -> Outcome:
    """Values are canonical (comparable with ==); `baseline` is MISSING when never agreed."""
    values = {"platform": platform, "salesforce": salesforce}
    other = other_system(leader)
    if platform == salesforce:
        if baseline is MISSING or baseline != platform:
            return Outcome(leader, None, None)  # agreed: the value becomes the baseline
        return NOTHING
    if baseline is MISSING:
        source = leader if values[leader] is not None else other
        return Outcome(source, other_system(source), "initial")
    changed = [s for s in ("platform", "salesforce") if values[s] != baseline]
    if changed == [leader]:
        return Outcome(leader, other, f"{leader}_changed")  # type: ignore[arg-type]
    if changed == [other]:
        return Outcome(leader, other, "override", conflict=True)
    # both changed, to different values
    if decision is not None:
        return Outcome(decision, other_system(decision), "decided", conflict=True)
    if rule == "leader_wins":
        return Outcome(leader, other, "conflict", conflict=True)
    return Outcome(None, None, "conflict", conflict=True)
