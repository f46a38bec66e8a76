"""Find the TCP connection behind an ASGI request so a fault can drop it.

ASGI hides the transport; a thin subclass of uvicorn's HTTP protocol records each connection
by peer address, which is what the ASGI scope carries as `client`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _BaseProtocol
except ImportError:  # pragma: no cover - httptools is optional for uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol as _BaseProtocol  # type: ignore[assignment]

_lock = threading.Lock()
_transports: dict[tuple[str, int], asyncio.BaseTransport] = {}


def _key(peer: Any) -> tuple[str, int] | None:
    if isinstance(peer, tuple | list) and len(peer) >= 2:
        return str(peer[0]), int(peer[1])
    return None


class TrackingProtocol(_BaseProtocol):  # type: ignore[misc, valid-type]
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None:  # answers are written in pieces; Nagle + delayed ACK adds 40 ms
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Remembered here: after an abort a TLS transport can no longer tell its peer.
        self._peer_key = _key(transport.get_extra_info("peername"))
        if self._peer_key is not None:
            with _lock:
                _transports[self._peer_key] = transport
        super().connection_made(transport)

    def shutdown(self) -> None:
        """On SIGTERM drop idle keep-alive connections at once: a TLS close waits for the
        client's close_notify, which an idle client never sends."""
        if self.cycle is None or self.cycle.response_complete:
            self.transport.abort()
        else:
            super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        key = getattr(self, "_peer_key", None)
        if key is not None:
            with _lock:
                _transports.pop(key, None)
        super().connection_lost(exc)


def abort_connection(client: Any) -> bool:
    """Reset (RST, no close_notify, no response) the connection of the ASGI `client`."""
    key = _key(client)
    with _lock:
        transport = _transports.get(key) if key else None
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True
