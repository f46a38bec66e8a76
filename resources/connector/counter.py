"""Counts of calls actually sent, by kind and by endpoint.

A retried call is counted each time it is sent: every send costs the API allowance.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable


class CallCounter:
    def __init__(self, kinds: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._kinds: Counter[str] = Counter({kind: 0 for kind in kinds})
        self._endpoints: Counter[str] = Counter()
        self._retries = 0

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
