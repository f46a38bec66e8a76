"""What every step factory shares: asset naming, partitions, policies, metadata shapes."""

import functools
import inspect
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import dagster as dg

from concord.errors import FatalError, RateLimitExhausted, ReauthoriseRequired, SpecError
from concord.spec.model import ObjectSpec, SyncSpec
from resources.connector import counting_calls

# A range backfill must be ONE run (one extract, one batched apply); Dagster still labels
# backfill_policy beta and says so on every import of every step.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy`", category=dg.BetaWarning)

STEP_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
"""For what may pass: a dropped connection, a 5xx the connector's own retries outlasted."""

NOT_RETRIED = (FatalError, RateLimitExhausted, ReauthoriseRequired, SpecError)
"""Errors a step retry cannot mend: a wrong spec or configuration, a refused request or
consent, a daily allowance used up (a retry would only spend more calls)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def fails_at_once_if_permanent(step: Callable[_P, _R]) -> Callable[_P, _R]:
    """Dagster retries a step under STEP_RETRY whatever it raised; an error in
    NOT_RETRIED (or a dg.Failure that forbids retries) fails the step at once instead,
    with its message, rather than after 15 s of retries that fail the same way."""

    @functools.wraps(step)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return step(*args, **kwargs)
        except NOT_RETRIED as exc:
            raise dg.Failure(description=f"{type(exc).__name__}: {exc}",
                             allow_retries=False) from exc

    return run


FAILED_ATTEMPT = "failed_attempt"
"""Metadata of the observation that records a failed attempt's API calls: its number."""


def counts_calls_of_failed_attempts(step: Callable[_P, Any]) -> Callable[_P, Iterator[Any]]:
    """A failed attempt spent its API calls all the same, but Dagster keeps no metadata of
    a failed step: the calls of every client the attempt made are yielded as an
    observation of the step's asset before the error goes on, and the run's summary adds
    them to the calls its materializations report. A retried step's total is then every
    attempt's, not the last one's.

    The step's first argument is its context. A step that returns its value becomes one
    that yields it as its output (events logged by a step that raises are lost, yielded
    ones are kept); its `add_output_metadata` still applies."""
    yielding = inspect.isgeneratorfunction(step)

    @functools.wraps(step)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> Iterator[Any]:
        context: dg.AssetExecutionContext = args[0]  # type: ignore[assignment]
        with counting_calls() as spent:
            try:
                if yielding:
                    yield from step(*args, **kwargs)
                    return
                value = step(*args, **kwargs)
            except Exception:
                calls = spent()
                if any(calls.values()):
                    yield dg.AssetObservation(
                        asset_key=context.asset_key,
                        metadata={**api_call_metadata(calls),
                                  FAILED_ATTEMPT: context.retry_number + 1})
                raise
        yield dg.Output(value)

    return run


@dataclass(frozen=True)
class StepScope:
    """One object of one sync: the unit a chain of step assets is built for."""

    spec: SyncSpec
    obj_name: str
    obj: ObjectSpec
    partitions: dg.PartitionsDefinition

    @property
    def sync(self) -> str:
        return self.spec.sync

    def key(self, step: str) -> dg.AssetKey:
        return dg.AssetKey([self.sync, f"{self.obj_name}_{step}"])

    def step_in(self, step: str) -> dg.AssetIn:
        """The output of an earlier step as an input. Typed Any for Dagster: it checks a
        `list[...]` input element by element (1.8 million checks in a 100,000-company
        load); the function's annotation still documents the type."""
        return dg.AssetIn(self.key(step), dagster_type=dg.Any)

    def asset_kwargs(self, step: str, description: str) -> dict[str, Any]:
        return {
            "dagster_type": dg.Any,  # as for step_in: no element-wise check of list outputs
            "key": self.key(step),
            "group_name": self.sync,
            "partitions_def": self.partitions,
            "backfill_policy": dg.BackfillPolicy.single_run(),
            "description": description,
            "io_manager_key": "step_store",
            "tags": {"concord/sync": self.sync, "concord/object": self.obj_name},
        }


def sync_partitions(spec: SyncSpec) -> dg.DailyPartitionsDefinition:
    """Daily partitions over the records' modification date; today included (end_offset=1)
    so the hourly path runs the current day as a partition like any other."""
    return dg.DailyPartitionsDefinition(
        start_date=spec.partitions.start.isoformat(),
        timezone=spec.partitions.timezone,
        end_offset=1,
    )


def partition_label(context: dg.AssetExecutionContext) -> str:
    r = context.partition_key_range
    return r.start if r.start == r.end else f"{r.start}..{r.end}"


def api_call_metadata(calls: Mapping[str, int]) -> dict[str, int]:
    """Call counts under fixed names, so a run's totals can be summed across steps."""
    return {f"api_calls_{kind}": int(calls.get(kind, 0)) for kind in ("read", "write", "bulk_jobs")}


def table_metadata(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], limit: int = 50
) -> dg.MetadataValue:
    """A small markdown table for the UI (first `limit` rows)."""
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = "".join(
        "| " + " | ".join(str(r.get(c, "")).replace("|", "\\|") for c in columns) + " |\n"
        for r in rows[:limit]
    )
    more = f"\n…and {len(rows) - limit} more" if len(rows) > limit else ""
    return dg.MetadataValue.md(head + body + more if rows else "_none_")


def jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """A record's values as the ledger stores them (JSON): Decimal, dates and the like as text."""
    return {k: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            for k, v in values.items()}
