"""Standardise source rows into target-shaped records, or reject them with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from concord.errors import ValidationError
from concord.model import Rejection, SourceRecord, StandardRecord
from concord.spec.model import ObjectSpec
from concord.standardise.transforms import TRANSFORMS


@dataclass
class StandardiseResult:
    valid: list[StandardRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    deleted: list[StandardRecord] = field(default_factory=list)  # handled by the delete policy

    @property
    def warnings(self) -> int:
        return sum(len(r.warnings) for r in self.valid)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def standardise_record(record: SourceRecord, spec: ObjectSpec) -> StandardRecord | Rejection:
    """Apply every mapped field's transform; the first quarantining failure rejects the record.

    Deleted records are passed on untransformed: what matters for them is the delete
    policy, not whether their last values were valid.
    """
    if record.deleted:
        return StandardRecord(record.key, record.modified_at, True, {})
    out: dict[str, object] = {}
    warnings: list[str] = []
    for target, fspec in spec.fields.items():
        raw = record.values.get(fspec.source)
        if _is_blank(raw):
            if fspec.required:
                return Rejection(record.key, "required.missing", target,
                                 f"{target} is required but {fspec.source} is empty", record.values)
            out[target] = None
            continue
        try:
            out[target] = TRANSFORMS[fspec.transform](raw, record.values, fspec, spec)
        except ValidationError as exc:
            if fspec.on_invalid == "null" and not fspec.required:
                out[target] = None
                warnings.append(f"{target}: {exc.rule}")
                continue
            return Rejection(record.key, exc.rule, target,
                             f"{target} from {fspec.source}={raw!r}: {exc}", record.values)
    return StandardRecord(record.key, record.modified_at, False, out, tuple(warnings))


def standardise_records(records: Iterable[SourceRecord], spec: ObjectSpec) -> StandardiseResult:
    result = StandardiseResult()
    for record in records:
        outcome = standardise_record(record, spec)
        if isinstance(outcome, Rejection):
            result.rejected.append(outcome)
        elif outcome.deleted:
            result.deleted.append(outcome)
        else:
            result.valid.append(outcome)
    return result
