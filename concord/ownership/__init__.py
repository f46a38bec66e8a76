"""Field ownership and the three-way diff of the bidirectional sync (platform <-> Salesforce).

Pure: no Dagster, no HTTP, and nothing of `concord.spec` imported at load time, so the spec
model can import `concord.ownership.spec`.
"""

from concord.ownership.diff import (
    FieldChange,
    FieldConflict,
    OwnershipDiff,
    RecordDiff,
    RecordSides,
    created_baseline,
    diff_record,
    diff_records,
)
from concord.ownership.rules import MISSING, Outcome, decide_field
from concord.ownership.spec import (
    FieldOwnership,
    Ownership,
    OwnershipSpec,
    parse_ownership,
    resolve_ownership,
)
from concord.ownership.values import Canonical, NotWritableBack, canonical, to_platform

__all__ = [
    "MISSING", "Canonical", "FieldChange", "FieldConflict", "FieldOwnership", "NotWritableBack",
    "Outcome", "Ownership", "OwnershipDiff", "OwnershipSpec", "RecordDiff", "RecordSides",
    "canonical", "created_baseline", "decide_field", "diff_record", "diff_records", "parse_ownership",
    "resolve_ownership", "to_platform",
]
