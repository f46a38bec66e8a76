"""Steps are retried for what may pass, and fail at once for what retrying cannot mend."""

import dagster as dg
import pytest

from assets.steps.common import (
    api_call_metadata,
    counts_calls_of_failed_attempts,
    fails_at_once_if_permanent,
)
from concord.errors import FatalError, RateLimitExhausted, RetriableError, SpecError
from integration_dags.summary import summarise_run
from resources.connector import CallCounter

ATTEMPTS: list[str] = []
RAISE: list[Exception] = []


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))  # STEP_RETRY, without its delays
@fails_at_once_if_permanent
def step(context: dg.AssetExecutionContext) -> int:
    ATTEMPTS.append(context.run.run_id)
    raise RAISE[0]


def _attempts(error: Exception) -> tuple[int, str]:
    ATTEMPTS.clear()
    RAISE[:] = [error]
    result = dg.materialize([step], raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    return len(ATTEMPTS), str(failure.step_failure_data.error)


@pytest.mark.parametrize("error", [
    FatalError("INVALID_FIELD: no such column", system="salesforce", obj="Account"),
    RateLimitExhausted("daily API requests used up", system="salesforce"),
    SpecError("unknown field 'Nmae'", path="mappings/crm_accounts.yaml", line=12),
])
def test_an_error_retrying_cannot_mend_fails_the_step_at_once_with_its_message(error):
    attempts, shown = _attempts(error)
    assert attempts == 1
    assert f"{type(error).__name__}: {error}" in shown


@pytest.mark.parametrize("error", [
    RetriableError("503 from the server", system="salesforce"),
    ConnectionResetError("connection reset by peer"),
])
def test_a_transient_error_is_retried_by_the_step_policy(error):
    attempts, _ = _attempts(error)
    assert attempts == 3


# --- API calls of failed attempts -------------------------------------------------------

@dg.asset(key_prefix="demo", retry_policy=dg.RetryPolicy(max_retries=2))
@counts_calls_of_failed_attempts
def sends(context: dg.AssetExecutionContext) -> int:
    """Two writes an attempt; the first two attempts fail after them."""
    calls = CallCounter(("read", "write", "bulk_jobs"))  # as a client made in the step
    calls.record("write", "sobjects")
    calls.record("write", "sobjects")
    if context.retry_number < 2:
        raise ConnectionResetError("connection reset by peer")
    context.add_output_metadata(api_call_metadata(calls.as_dict()))
    return 1


@dg.asset(key_prefix="demo", retry_policy=dg.RetryPolicy(max_retries=1))
@counts_calls_of_failed_attempts
def reads_then_yields(context: dg.AssetExecutionContext):
    calls = CallCounter(("read", "write", "bulk_jobs"))
    calls.record("read", "query")
    if context.retry_number == 0:
        raise ConnectionResetError("connection reset by peer")
    yield dg.Output(1, metadata=api_call_metadata(calls.as_dict()))


@pytest.mark.parametrize(("asset", "calls"), [
    (sends, {"read": 0, "write": 6, "bulk_jobs": 0}),  # three attempts, two writes each
    (reads_then_yields, {"read": 2, "write": 0, "bulk_jobs": 0}),  # a generator step
])
def test_the_run_summary_counts_the_calls_of_every_attempt(asset, calls):
    """(A summary is per sync: the first part of an asset key.)"""
    result = dg.materialize([asset])
    assert result.success
    assert summarise_run(result.all_events)["demo"]["api_calls"] == calls


def test_a_step_that_fails_for_good_still_reports_its_calls():
    RAISE[:] = [FatalError("INVALID_FIELD", system="salesforce", obj="Account")]

    @dg.asset(key_prefix="demo")
    @counts_calls_of_failed_attempts
    def refused(context: dg.AssetExecutionContext) -> int:
        CallCounter(("read", "write", "bulk_jobs")).record("write", "sobjects")
        raise RAISE[0]

    result = dg.materialize([refused], raise_on_error=False)
    assert not result.success
    assert summarise_run(result.all_events)["demo"]["api_calls"]["write"] == 1
