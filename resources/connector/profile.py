"""What the shared transport needs to know about one system: the seams per vendor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import requests

from .budget import LimitReading


@dataclass(frozen=True)
class CallInfo:
    """How one request is counted and whether it may be sent twice.

    `charged` calls spend the system's allowance (token endpoints usually do not).
    """

    kind: str
    endpoint: str
    idempotent: bool
    charged: bool = True


class SystemProfile(Protocol):
    name: str
    kinds: tuple[str, ...]

    def classify(self, method: str, url: str) -> CallInfo: ...

    def read_limits(self, response: requests.Response) -> LimitReading | None: ...

    def limit_exhausted(self, response: requests.Response) -> str | None:
        """The vendor code when the response says a long-window limit is used up."""
        ...


class Authenticator(Protocol):
    """Signs requests and renews the credential when the server says it expired."""

    def headers(self) -> Mapping[str, str]: ...

    def is_expired(self, response: requests.Response) -> bool: ...

    def renew(self, stale: Mapping[str, str]) -> None:
        """Fetch a new credential unless another thread already replaced `stale`."""
        ...
