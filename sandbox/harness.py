"""Start a sandbox server as its own process, the way tests, `make sync` and benches do.

The server prints one JSON line when it is ready; everything a client needs (base URL,
token URL, CA bundle, credentials) comes from that line, never from guessed defaults.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests


@dataclass(frozen=True)
class SandboxInfo:
    name: str
    base_url: str
    token_url: str
    ca_bundle: str
    credentials: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, line: str) -> SandboxInfo:
        data = json.loads(line)
        known = {"name", "base_url", "token_url", "ca_bundle", "credentials"}
        return cls(
            name=data["name"],
            base_url=data["base_url"],
            token_url=data["token_url"],
            ca_bundle=data["ca_bundle"],
            credentials=dict(data["credentials"]),
            extra={k: v for k, v in data.items() if k not in known},
        )


class RunningSandbox:
    def __init__(self, proc: subprocess.Popen[str], info: SandboxInfo) -> None:
        self.proc = proc
        self.info = info

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def launch_sandbox(
    name: str,
    state_dir: str | os.PathLike[str],
    *,
    port: int = 0,
    args: Sequence[str] = (),
    ready_timeout: float = 60.0,
) -> RunningSandbox:
    """Start `python -m sandbox NAME --port P --state-dir DIR ...` and wait for its JSON line."""
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "sandbox", name, "--port", str(port),
           "--state-dir", str(state_dir), *args]
    log = open(Path(state_dir) / f"{name}.log", "a")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(ready_timeout)
    if not line or not line[0].strip():
        proc.kill()
        proc.wait()
        raise RuntimeError(f"sandbox {name} did not become ready; see {log.name}")
    return RunningSandbox(proc, SandboxInfo.from_json(line[0]))


@contextmanager
def running_sandbox(name: str, state_dir: str | os.PathLike[str], **kw: Any) -> Iterator[SandboxInfo]:
    sandbox = launch_sandbox(name, state_dir, **kw)
    try:
        yield sandbox.info
    finally:
        sandbox.stop()


def loopback_session(info: SandboxInfo) -> requests.Session:
    """A requests session that trusts the sandbox's CA.

    `trust_env` is off: REQUESTS_CA_BUNDLE (set on these machines) would otherwise replace
    `verify` on every call that passes none (shared/api-notes, the CA pitfall).
    """
    session = requests.Session()
    session.trust_env = False
    session.verify = info.ca_bundle
    return session


class SandboxControl:
    """A sandbox's control plane (`/__sandbox/…`: never counted, never faulted)."""

    def __init__(self, info: SandboxInfo) -> None:
        self.base = info.extra.get("control_url") or f"{info.base_url.rstrip('/')}/__sandbox"
        self.session = loopback_session(info)

    def _send(self, method: str, name: str, body: Any = None) -> Any:
        response = self.session.request(method, f"{self.base}/{name}", json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def get(self, name: str) -> Any:
        return self._send("GET", name)

    def post(self, name: str, body: Any = None) -> Any:
        return self._send("POST", name, body)

    def fault(self, **rule: Any) -> None:
        self._send("POST", "faults", rule)

    def clear_faults(self) -> None:
        self._send("DELETE", "faults")

    def calls(self) -> dict[str, Any]:
        return self._send("GET", "calls")

    def reset_calls(self) -> None:
        self._send("POST", "calls/reset")

    def expire_tokens(self) -> None:
        self._send("POST", "tokens/expire")

    def limits(self, **body: Any) -> dict[str, Any]:
        return self._send("POST", "limits", body) if body else self._send("GET", "limits")
