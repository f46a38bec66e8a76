"""Render values into SOQL safely: datetime literals, quoted strings, chunked IN lists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_ESCAPES = {
    "\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
    "\b": "\\b", "\f": "\\f",
}

# Salesforce caps a SOQL statement at 100,000 characters and a request URI at 16,384;
# a URL-encoded IN list can triple in size, so each list stays well under both.
MAX_IN_LIST_CHARS = 4000


def name(identifier: str) -> str:
    """An sObject or field API name, refused if it could smuggle SOQL in."""
    if not _NAME.match(identifier):
        raise ValueError(f"not a Salesforce API name: {identifier!r}")
    return identifier


def field_list(fields: Iterable[str]) -> str:
    return ", ".join(name(f) for f in fields)


def string_literal(value: str) -> str:
    return "'" + "".join(_ESCAPES.get(ch, ch) for ch in value) + "'"


def datetime_literal(moment: datetime, *, round_up: bool = False) -> str:
    """SOQL datetime literals are unquoted UTC, whole seconds.

    A window's upper bound is rounded up, so `<= until` still holds the records stamped in
    until's last fraction of a second; the lower bound is truncated, so a next window
    starting at this `until` re-reads at most that second and never skips one.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("SOQL datetimes must be timezone-aware")
    moment = moment.astimezone(UTC)
    if round_up and moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def in_lists(values: Iterable[str], max_chars: int = MAX_IN_LIST_CHARS) -> Iterator[str]:
    """`('a', 'b', …)` lists of distinct values, each under max_chars."""
    chunk: list[str] = []
    size = 2
    seen: set[str] = set()
    for value in values:
        if value in seen:
            continue
        seen.add(value)
        literal = string_literal(value)
        if chunk and size + len(literal) + 2 > max_chars:
            yield "(" + ", ".join(chunk) + ")"
            chunk, size = [], 2
        chunk.append(literal)
        size += len(literal) + 2
    if chunk:
        yield "(" + ", ".join(chunk) + ")"
