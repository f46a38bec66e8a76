"""Follow a cursor from page to page, failing on a cursor seen before.

A server that hands back the same cursor twice would otherwise loop forever and burn
the daily allowance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from concord.errors import FatalError

P = TypeVar("P")


class CursorPaging(Generic[P]):
    def __init__(self, next_cursor: Callable[[P], str | None], *, system: str | None = None):
        self._next_cursor = next_cursor
        self._system = system

    def pages(self, first: Callable[[], P], more: Callable[[str], P]) -> Iterator[P]:
        seen: set[str] = set()
        page = first()
        while True:
            yield page
            cursor = self._next_cursor(page)
            if not cursor:
                return
            if cursor in seen:
                raise FatalError("server repeated a paging cursor", system=self._system)
            seen.add(cursor)
            page = more(cursor)
