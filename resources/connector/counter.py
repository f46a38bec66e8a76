"""Counts of calls actually sent, by kind and by endpoint.

A retried call is counted each time it is sent: every send costs the API allowance.
`counting_calls()` sums every counter made within a block, so a step can tell what one
attempt spent over all the clients it made, even when it fails.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_MADE_IN_BLOCK: ContextVar[list[CallCounter] | None] = ContextVar("concord_call_counters",
                                                                 default=None)


@contextmanager
def counting_calls() -> Iterator[Callable[[], dict[str, int]]]:
    """Yields a function that sums, by kind, the calls of every CallCounter made in the
    block (in this thread or task)."""
    made: list[CallCounter] = []
    token = _MADE_IN_BLOCK.set(made)
    try:
        def spent() -> dict[str, int]:
            total: Counter[str] = Counter()
            for counter in made:
                total.update(counter.as_dict())
            return dict(total)

        yield spent
    finally:
        _MADE_IN_BLOCK.reset(token)


class CallCounter:
    def __init__(self, kinds: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._kinds: Counter[str] = Counter({kind: 0 for kind in kinds})
        self._endpoints: Counter[str] = Counter()
        self._retries = 0
        block = _MADE_IN_BLOCK.get()
        if block is not None:
            block.append(self)

    def record(self, kind: str, endpoint: str) -> None:
        with self._lock:
            self._kinds[kind] += 1
            self._endpoints[endpoint] += 1

    def record_retry(self) -> None:
        with self._lock:
            self._retries += 1

    def as_dict(self) -> dict[str, int]:
        """Calls by kind (every known kind present, 0 when unused)."""
        with self._lock:
            return dict(self._kinds)

    def by_endpoint(self) -> dict[str, int]:
        with self._lock:
            return dict(self._endpoints)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._kinds.values())

    @property
    def retries(self) -> int:
        with self._lock:
            return self._retries

    def reset(self) -> None:
        with self._lock:
            for kind in self._kinds:
                self._kinds[kind] = 0
            self._endpoints.clear()
            self._retries = 0
