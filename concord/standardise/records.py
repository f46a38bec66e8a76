"""Standardise source rows into target-shaped records, or reject them with a reason."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from concord.errors import ValidationError
from concord.model import Rejection, SourceRecord, StandardRecord
from concord.spec.model import FieldSpec, ObjectSpec
from concord.standardise.transforms import TRANSFORMS, Transform


@dataclass
class StandardiseResult:
    valid: list[StandardRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    deleted: list[StandardRecord] = field(default_factory=list)  # handled by the delete policy

    @property
    def warnings(self) -> int:
        return sum(len(r.warnings) for r in self.valid)


class _Step(NamedTuple):
    """One mapped field, with what standardise_record needs of its spec looked up once
    (a tuple: the per-record loop unpacks it, cheaper than attribute access)."""

    target: str
    source: str
    transform: Transform
    required: bool
    null_on_invalid: bool  # on_invalid: null, which a required field ignores
    fspec: FieldSpec


_PLANS: dict[int, tuple[ObjectSpec, tuple[_Step, ...]]] = {}


def _plan(spec: ObjectSpec) -> tuple[_Step, ...]:
    """The spec's fields as steps, built once per spec rather than once per record."""
    cached = _PLANS.get(id(spec))
    if cached is None or cached[0] is not spec:  # holding `spec` keeps its id unique
        if len(_PLANS) > 256:  # specs loaded over and over (tests): start afresh
            _PLANS.clear()
        steps = tuple(
            _Step(target, f.source, TRANSFORMS[f.transform], f.required,
                  f.on_invalid == "null" and not f.required, f)
            for target, f in spec.fields.items()
        )
        cached = _PLANS[id(spec)] = (spec, steps)
    return cached[1]


def standardise_record(record: SourceRecord, spec: ObjectSpec) -> StandardRecord | Rejection:
    """Apply every mapped field's transform; the first quarantining failure rejects the record.

    Deleted records are passed on untransformed: what matters for them is the delete
    policy, not whether their last values were valid.
    """
    return _standardise(record, spec, _plan(spec))


def _standardise(
    record: SourceRecord, spec: ObjectSpec, plan: tuple[_Step, ...]
) -> StandardRecord | Rejection:
    if record.deleted:
        return StandardRecord(record.key, record.modified_at, True, {})
    values = record.values
    out: dict[str, object] = {}
    warnings: list[str] = []
    for target, source, transform, required, null_on_invalid, fspec in plan:
        raw = values.get(source)
        if raw is None or (isinstance(raw, str) and not raw.strip()):  # blank
            if required:
                return Rejection(record.key, "required.missing", target,
                                 f"{target} is required but {source} is empty", values)
            out[target] = None
            continue
        try:
            out[target] = transform(raw, values, fspec, spec)
        except ValidationError as exc:
            if null_on_invalid:
                out[target] = None
                warnings.append(f"{target}: {exc.rule}")
                continue
            return Rejection(record.key, exc.rule, target,
                             f"{target} from {source}={raw!r}: {exc}", values)
    return StandardRecord(record.key, record.modified_at, False, out, tuple(warnings))


PARALLEL_MIN_RECORDS = 20_000
"""Below this a second process costs more (fork, results pickled back) than it saves."""


def standardise_records(
    records: Iterable[SourceRecord], spec: ObjectSpec, *, workers: int = 1
) -> StandardiseResult:
    """Every record standardised, in input order.

    With `workers` > 1 and enough records, the list is cut into that many slices; all
    but the first go to forked processes while this one does the first (phone numbers
    and e-mail addresses are validated by pure-Python libraries: the CPU is the limit).
    The result is the same as in one process.
    """
    records = list(records)
    if (workers < 2 or len(records) < PARALLEL_MIN_RECORDS
            or "fork" not in multiprocessing.get_all_start_methods()):
        return _standardise_slice(records, spec)
    size = -(-len(records) // workers)
    slices = [(start, min(start + size, len(records))) for start in range(0, len(records), size)]
    global _FORKED_INPUT
    _FORKED_INPUT = (records, spec)  # inherited by the forked children, not pickled
    try:
        # no cycle collection in the children: nothing inherited gets finalised there
        with multiprocessing.get_context("fork").Pool(len(slices) - 1, initializer=gc.disable) as pool:
            pending = pool.map_async(_standardise_forked, slices[1:])
            parts = [_standardise_slice(records[slice(*slices[0])], spec), *pending.get()]
    finally:
        _FORKED_INPUT = None
    result = StandardiseResult()
    for part in parts:
        result.valid.extend(part.valid)
        result.rejected.extend(part.rejected)
        result.deleted.extend(part.deleted)
    return result


_FORKED_INPUT: tuple[Sequence[SourceRecord], ObjectSpec] | None = None


def _standardise_forked(bounds: tuple[int, int]) -> StandardiseResult:
    assert _FORKED_INPUT is not None, "standardise worker started without its input"
    records, spec = _FORKED_INPUT
    return _standardise_slice(records[slice(*bounds)], spec)


def _standardise_slice(records: Iterable[SourceRecord], spec: ObjectSpec) -> StandardiseResult:
    result = StandardiseResult()
    plan = _plan(spec)
    for record in records:
        outcome = _standardise(record, spec, plan)
        if isinstance(outcome, Rejection):
            result.rejected.append(outcome)
        elif outcome.deleted:
            result.deleted.append(outcome)
        else:
            result.valid.append(outcome)
    return result


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
