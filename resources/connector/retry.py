"""When to try a call again, and how long to wait first.

Retry-After comes as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); both are honoured.
Without it the wait is exponential with "equal jitter": half the step is fixed so the wait
never collapses to zero, half is random so parallel workers do not retry in lockstep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, or None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: `attempts` sends in all, waits between `base` and `cap` seconds.

    A Retry-After longer than `max_retry_after` is not slept through: the call fails at once
    with RetriableError(retry_after=...) so the run can checkpoint instead of hanging.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Wait after the `attempt`-th failed send (1-based): in [step/2, step]."""
        step = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        return step / 2 + rng() * step / 2

    def delay(
        self, attempt: int, retry_after: float | None, rng: Callable[[], float] = random.random
    ) -> float:
        """The server's hint wins (plus a little jitter); otherwise exponential backoff."""
        if retry_after is not None:
            return retry_after + rng() * min(self.base, 1.0)
        return self.backoff(attempt, rng)
