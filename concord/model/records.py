"""Canonical records as they move through a sync: source row -> standard record -> write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NewType

GoldenId = NewType("GoldenId", str)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One row from the source system, untouched (values as the source stores them)."""

    key: str
    modified_at: datetime
    deleted: bool
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StandardRecord:
    """A valid record: target field name -> canonical value (Decimal money, ISO codes)."""

    key: str
    modified_at: datetime
    deleted: bool
    fields: dict[str, Any]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that broke a rule; it goes to quarantine with this reason."""

    key: str
    rule: str
    field: str | None
    message: str
    values: dict[str, Any] = field(default_factory=dict)
