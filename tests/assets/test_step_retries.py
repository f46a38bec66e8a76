"""Steps are retried for what may pass, and fail at once for what retrying cannot mend."""

import dagster as dg
import pytest

from assets.steps.common import fails_at_once_if_permanent
from concord.errors import FatalError, RateLimitExhausted, RetriableError, SpecError

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
