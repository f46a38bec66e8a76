"""Runtime fault injection: rules switched on through the control plane.

A rule matches by method and a regex searched in the URL path and fires for the next
`times` matching requests (None = until cleared). Actions:
  latency             sleep `delay_ms` (scaled) and then answer normally
  status              answer `status` (429/503/…) with optional Retry-After; state untouched
  reset_after_commit  handle the request (the write commits), then abort the TCP connection
  reset_before        abort the TCP connection without handling the request
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

ACTIONS = frozenset({"latency", "status", "reset_after_commit", "reset_before"})


class FaultSpecError(ValueError):
    """A fault rule posted to the control plane is malformed."""


@dataclass
class FaultRule:
    id: int
    action: str
    method: str = "*"
    path: str = ""
    times: int | None = 1
    status: int = 503
    retry_after: int | None = None
    delay_ms: int = 0
    body: Any = None
    fired: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and bool(self._pattern.search(path))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "action": self.action, "method": self.method, "path": self.path,
            "times": self.times, "status": self.status, "retry_after": self.retry_after,
            "delay_ms": self.delay_ms, "body": self.body, "fired": self.fired,
        }


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        if not isinstance(spec, dict):
            raise FaultSpecError("a fault rule is a JSON object")
        action = spec.get("action")
        if action not in ACTIONS:
            raise FaultSpecError(f"action must be one of {sorted(ACTIONS)}")
        unknown = set(spec) - {"action", "method", "path", "times", "status", "retry_after",
                               "delay_ms", "body", "count"}
        if unknown:
            raise FaultSpecError(f"unknown keys in fault rule: {sorted(unknown)}")
        try:
            rule = FaultRule(
                id=next(self._ids),
                action=action,
                method=str(spec.get("method", "*")).upper(),
                path=str(spec.get("path", "")),
                times=spec.get("times", spec.get("count", 1)),
                status=int(spec.get("status", 503)),
                retry_after=spec.get("retry_after"),
                delay_ms=int(spec.get("delay_ms", 0)),
                body=spec.get("body"),
            )
        except re.error as exc:
            raise FaultSpecError(f"bad path regex: {exc}") from exc
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first live rule matching this request; consumes one of its `times`."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.fired += 1
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_json() for r in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
