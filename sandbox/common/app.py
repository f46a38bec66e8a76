"""The ASGI app every sandbox shares: control plane, call counting, faults, routing.

Vendor code supplies a `Router`, a call-kind for each route and how an injected error status
looks in its dialect; everything under `/__sandbox/` is the control plane, never counted
and never faulted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from sandbox.common.calls import CallCounter
from sandbox.common.connections import abort_connection
from sandbox.common.faults import FaultBook, FaultRule, FaultSpecError
from sandbox.common.router import ApiRequest, Router

CONTROL_PREFIX = "/__sandbox/"
ControlHandler = Callable[[Any], Any]


def _default_fault_response(rule: FaultRule) -> Response:
    return JSONResponse({"error": f"injected fault {rule.status}"}, status_code=rule.status)


@dataclass
class SandboxApp:
    router: Router
    fault_response: Callable[[FaultRule], Response] = _default_fault_response
    not_found: Callable[[ApiRequest], Response] = lambda _req: Response(status_code=404)
    scale_time: float = 1.0
    faults: FaultBook = field(default_factory=FaultBook)
    calls: CallCounter = field(default_factory=CallCounter)
    control: dict[tuple[str, str], ControlHandler] = field(default_factory=dict)

    def add_control(self, method: str, name: str, handler: ControlHandler) -> None:
        """Register `METHOD /__sandbox/<name>`; the handler gets the JSON body (or None)."""
        self.control[(method, name.strip("/"))] = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        body = await _read_body(receive)
        if path.startswith(CONTROL_PREFIX):
            response = await run_in_threadpool(self._control, method, path, body)
            await response(scope, receive, send)
            return

        route, path_params, _known = self.router.match(method, path)
        kind = route.kind if route else "unknown"
        self.calls.count(kind, f"{method} {route.name if route else path}")
        request = ApiRequest(
            method=method, path=path,
            params=dict(_parse_query(scope.get("query_string", b""))),
            headers=Headers(scope=scope), body=body, path_params=path_params,
            query_string=scope.get("query_string", b"").decode("latin-1"),
        )
        rule = self.faults.take(method, path.rstrip("/") or "/")
        if rule is not None:
            if rule.action == "reset_before":
                abort_connection(scope.get("client"))
                return
            if rule.action == "latency":
                await asyncio.sleep(rule.delay_ms / 1000 * self.scale_time)
            if rule.action == "status":
                await self.fault_response(rule)(scope, receive, send)
                return
        handler = route.handler if route else self.not_found
        response = await run_in_threadpool(handler, request)
        if rule is not None and rule.action == "reset_after_commit":
            abort_connection(scope.get("client"))
            return
        await response(scope, receive, send)

    def _control(self, method: str, path: str, body: bytes) -> Response:
        name = path[len(CONTROL_PREFIX):].strip("/")
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        builtin = {
            ("GET", "calls"): lambda _b: self.calls.snapshot(),
            ("POST", "calls/reset"): lambda _b: (self.calls.reset(), {"ok": True})[1],
            ("GET", "faults"): lambda _b: {"faults": self.faults.list()},
            ("POST", "faults"): self._add_faults,
            ("DELETE", "faults"): lambda _b: (self.faults.clear(), {"ok": True})[1],
        }
        handler = builtin.get((method, name)) or self.control.get((method, name))
        if handler is None:
            return JSONResponse({"error": f"no control endpoint {method} {path}"}, status_code=404)
        try:
            return JSONResponse(handler(payload))
        except (FaultSpecError, ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    def _add_faults(self, payload: Any) -> dict[str, Any]:
        specs = payload.get("faults") if isinstance(payload, dict) and "faults" in payload \
            else [payload]
        if not isinstance(specs, list):
            raise FaultSpecError("`faults` must be a list of rules")
        return {"faults": [self.faults.add(spec).as_json() for spec in specs]}


def _parse_query(raw: bytes) -> list[tuple[str, str]]:
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
