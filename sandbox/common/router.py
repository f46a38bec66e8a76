"""A tiny regex router with synchronous handlers.

Vendor APIs are picky about trailing slashes (simple-salesforce sends both `query/` and
`…/successfulResults`), so paths are matched with any trailing slash stripped instead of
redirecting as Starlette's router would. Handlers are plain functions run in a worker thread,
so a handler may hold the state lock for the whole request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import Response


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: Headers
    body: bytes
    path_params: dict[str, str]
    query_string: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    def multi_params(self, name: str) -> list[str]:
        return [v for k, v in parse_qsl(self.query_string, keep_blank_values=True) if k == name]


Handler = Callable[[ApiRequest], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    kind: str
    name: str


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, kind: str,
            name: str | None = None) -> None:
        """`pattern` is a regex for the whole path (no trailing slash); `name` labels counters."""
        compiled = re.compile(pattern.rstrip("/") + "/?$") if pattern != "/" else re.compile("/$")
        self.routes.append(Route(method, compiled, handler, kind, name or pattern))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path params, path_known): path_known distinguishes 405 from 404."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                path_known = True
                if route.method == method:
                    return route, found.groupdict(), True
        return None, {}, path_known
