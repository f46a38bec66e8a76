"""Per-endpoint call counters, read through the control plane.

Benchmarks and tests assert on API call counts ("a re-run writes nothing"), so every request
that reaches the server is counted by kind and by endpoint template.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_kind: Counter[str] = Counter()
        self._by_endpoint: Counter[str] = Counter()

    def count(self, kind: str, endpoint: str) -> None:
        with self._lock:
            self._by_kind[kind] += 1
            self._by_endpoint[endpoint] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self._by_kind.values()),
                "by_kind": dict(self._by_kind),
                "by_endpoint": dict(self._by_endpoint),
            }

    def reset(self) -> None:
        with self._lock:
            self._by_kind.clear()
            self._by_endpoint.clear()
