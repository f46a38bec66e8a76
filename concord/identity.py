"""Golden ids and idempotency keys, derived so that a re-run computes the same ones.

A golden id written as Salesforce's external id must not depend on when or how often we
ran: if a crash loses the ledger's xref row, the re-run derives the same id and the
upsert updates the record it created before instead of creating a second one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from concord.model import GoldenId

_NAMESPACE = uuid.UUID("5b0c1d3e-6f43-4d0a-9f55-2b8f0c6a4e11")


_NAMESPACE_BYTES = _NAMESPACE.bytes


def golden_id_for(system: str, obj: str, record_key: str) -> GoldenId:
    """The golden id an entity gets from the first source record that created it: the hex
    of uuid5(_NAMESPACE, 'system/obj/key'), computed without building UUID objects (half
    a million a load; tests/core compares it with uuid.uuid5)."""
    digest = bytearray(hashlib.sha1(
        _NAMESPACE_BYTES + f"{system}/{obj}/{record_key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return GoldenId(digest.hex())


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_PLAIN = frozenset({str, int, bool, type(None)})
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def content_hash(payload: Mapping[str, Any]) -> str:
    """Hash of a write's content, independent of key order; Decimal('1.50') == Decimal('1.5')."""
    canon = {k: v if type(v) in _PLAIN else _canonical(v) for k, v in payload.items()}
    return hashlib.sha256(_ENCODE(canon).encode()).hexdigest()


def idempotency_key(*parts: str) -> str:
    """A key for the outbox and the vendor's idempotency header, stable across retries."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
