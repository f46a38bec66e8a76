"""Make a URL safe to log: no credentials, no query-string values, no fragment.

Query values can carry SOQL with customer data, cursors or (for some vendors) tokens;
the keys alone say enough to read a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

REDACTED = "***"


def redact_url(url: str, params: Any = None) -> str:
    """`params` are the query parameters a library passes beside the URL (requests' `params=`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)]
    if isinstance(params, Mapping):
        keys += [str(key) for key in params]
    elif isinstance(params, list | tuple):
        keys += [str(pair[0]) for pair in params if isinstance(pair, tuple | list) and pair]
    query = "&".join(f"{key}={REDACTED}" for key in keys)
    return urlunsplit((parts.scheme, host, parts.path, query, ""))
