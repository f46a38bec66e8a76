"""xero-python's HTTP seam: its urllib3 PoolManager replaced by the shared Transport.

xero-python sends every request (token refresh included) through
`api_client.rest_client.pool_manager.request(...)`. `TransportPool` stands in for that
PoolManager, so every call passes one `Transport.request()`: signed by the vault, charged
to the tenant's rate budget, counted, Retry-After honoured. urllib3's own Retry (which
silently sleeps Retry-After and re-sends 429/503 and dropped PUTs) is thereby never used;
requests' adapter does not retry at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from resources.connector import Transport

IDEMPOTENCY_HEADER = "Idempotency-Key"


class Reply:
    """The slice of urllib3.HTTPResponse that xero-python's RESTResponse reads."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason
        self.data = response.content
        self._headers = response.headers

    def getheaders(self) -> Mapping[str, str]:
        return self._headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name, default)


class TransportPool:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def request(
        self,
        method: str,
        url: str,
        fields: Any = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        encode_multipart: bool = True,
        preload_content: bool = True,
        timeout: Any = None,
        **_: Any,
    ) -> Reply:
        headers = dict(headers or {})
        kwargs: dict[str, Any] = {"headers": headers}
        if method in ("GET", "HEAD"):
            kwargs["params"] = fields
        elif fields is not None and not encode_multipart:
            kwargs["data"] = fields
        elif fields is not None:
            raise NotImplementedError("multipart uploads (attachments) are not wired")
        else:
            kwargs["data"] = body
        info = self.transport.profile.classify(method, url)
        # A write carrying an Idempotency-Key may be sent twice: Xero replays the answer.
        idempotent = True if IDEMPOTENCY_HEADER in headers else None
        response = self.transport.request(
            method, url, idempotent=idempotent, authenticate=info.kind != "auth", **kwargs)
        return Reply(response)

    def clear(self) -> None:
        """PoolManager API; the Transport owns the connections."""
