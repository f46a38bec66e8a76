"""Run a sandbox app over HTTPS on loopback and announce it with one JSON line.

`--port 0` binds a free port before uvicorn starts, so the ready line always names the real
port. SIGTERM stops the server cleanly and the process exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from sandbox.common.connections import TrackingProtocol
from sandbox.common.tls import TlsFiles, ensure_tls

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServerOptions:
    port: int
    state_dir: Path
    scale_time: float
    extra: argparse.Namespace


def parse_options(argv: Sequence[str], prog: str,
                  add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
                  ) -> ServerOptions:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--scale-time", type=float, default=1.0,
                        help="multiply injected delays by this factor")
    if add_arguments:
        add_arguments(parser)
    ns = parser.parse_args(list(argv))
    ns.state_dir.mkdir(parents=True, exist_ok=True)
    return ServerOptions(ns.port, ns.state_dir.resolve(), ns.scale_time, ns)


def bind_loopback(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def serve(app: Any, options: ServerOptions,
          ready_info: Callable[[str, TlsFiles], dict[str, Any]]) -> int:
    """Serve `app` until SIGTERM; `ready_info(base_url, tls)` builds the JSON ready line."""
    tls = ensure_tls(options.state_dir)
    sock = bind_loopback(options.port)
    base_url = f"https://{HOST}:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        app, ssl_keyfile=str(tls.key_file), ssl_certfile=str(tls.cert_file),
        http=TrackingProtocol, loop="asyncio", lifespan="off", log_level="warning",
        access_log=False, timeout_keep_alive=30, timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises a captured SIGTERM after shutdown; a Python-level handler makes that
    # re-raise harmless, so a SIGTERM ends in exit status 0.
    signal.signal(signal.SIGTERM, lambda *_: None)

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            info = ready_info(base_url, tls)
            sys.stdout.write(json.dumps(info) + "\n")
            sys.stdout.flush()
        await task

    asyncio.run(run())
    return 0
