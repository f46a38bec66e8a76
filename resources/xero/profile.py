"""Xero's side of the shared transport: call kinds, limit headers, the day-limit refusal."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from resources.connector import CallInfo, LimitReading

SYSTEM = "xero"
KINDS = ("read", "write", "auth", "identity")
ACCOUNTING_PREFIX = "/api.xro/2.0/"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class XeroProfile:
    name = SYSTEM
    kinds = KINDS

    def __init__(self, token_url: str, connections_url: str | None = None) -> None:
        self._token_path = urlsplit(token_url).path
        self._connections_path = (
            urlsplit(connections_url).path.lower() if connections_url else "/connections")

    def classify(self, method: str, url: str) -> CallInfo:
        path = urlsplit(url).path
        if path == self._token_path:
            # Not idempotent: a refresh whose answer was lost has rotated the token; the
            # vault, not the transport, decides on the one grace-period retry.
            return CallInfo("auth", "token", idempotent=False, charged=False)
        if path.lower().rstrip("/") == self._connections_path.rstrip("/"):
            return CallInfo("identity", "connections", idempotent=True, charged=False)
        lowered = path.lower()
        rest = lowered.split(ACCOUNTING_PREFIX, 1)[1] if ACCOUNTING_PREFIX in lowered else lowered
        endpoint = rest.strip("/").split("/", 1)[0] or "root"
        if method in ("GET", "HEAD", "OPTIONS"):
            return CallInfo("read", endpoint, idempotent=True)
        # PUT/POST are made safe to repeat by an Idempotency-Key (see wire.py).
        return CallInfo("write", endpoint, idempotent=method == "DELETE")

    def read_limits(self, response: requests.Response) -> LimitReading | None:
        headers = response.headers
        minute = _int(headers.get("X-MinLimit-Remaining"))
        app = _int(headers.get("X-AppMinLimit-Remaining"))
        day = _int(headers.get("X-DayLimit-Remaining"))
        if minute is None and app is None and day is None:
            return None
        windows = [v for v in (minute, app) if v is not None]
        return LimitReading(remaining=day, window_remaining=min(windows) if windows else None)

    def limit_exhausted(self, response: requests.Response) -> str | None:
        """A 429 for the day limit: Retry-After can be hours, so stop and checkpoint."""
        problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
        if response.status_code == 429 and problem == "day":
            return "day"
        return None
