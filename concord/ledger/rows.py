"""The ledger's row types: what callers pass in and get back, independent of SQL."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

OutboxState = Literal["pending", "sent", "uncertain", "confirmed", "failed"]
OUTBOX_STATES: tuple[str, ...] = ("pending", "sent", "uncertain", "confirmed", "failed")

LogAction = Literal["create", "update", "unchanged", "conflict", "delete", "skip", "quarantine"]
LOG_ACTIONS: tuple[str, ...] = (
    "create", "update", "unchanged", "conflict", "delete", "skip", "quarantine",
)
LogOutcome = Literal["ok", "failed", "skipped"]
LOG_OUTCOMES: tuple[str, ...] = ("ok", "failed", "skipped")

QUARANTINE_STATUSES: tuple[str, ...] = ("open", "released")
CLUSTER_STATUSES: tuple[str, ...] = ("open", "resolved")
DECISIONS: tuple[str, ...] = ("keep", "separate")


@dataclass(frozen=True)
class XrefLink:
    """One system record belonging to one golden (real-world) entity."""

    entity_type: str
    golden_id: str
    system: str
    obj: str
    record_id: str
    reason: str | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """One intended write. `idempotency_key` is stable across re-runs of the same write."""

    idempotency_key: str
    sync: str
    system: str
    obj: str
    record_key: str
    operation: str
    payload_hash: str
    state: OutboxState = "pending"
    attempts: int = 0
    target_id: str | None = None
    error: str | None = None
    run_id: str | None = None  # the run of the latest attempt (`send` moves it)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SyncLogRow:
    """What happened to one record in one run."""

    run_id: str
    sync: str
    partition: str | None
    system: str
    obj: str
    record_key: str
    action: LogAction
    outcome: LogOutcome
    error: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class QuarantineRow:
    """Rejected input with the rule it broke; `payload` is the record as it arrived."""

    sync: str
    obj: str
    record_key: str
    rule: str
    field: str | None
    message: str
    payload: dict[str, Any]
    run_id: str | None
    partition: str | None = None
    status: Literal["open", "released"] = "open"
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True)
class ClusterMember:
    system: str
    obj: str
    record_key: str


@dataclass(frozen=True)
class CandidatePair:
    """Two member record keys, how alike they are and why the matcher thinks so."""

    a: str
    b: str
    score: Decimal | float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DuplicateCluster:
    """Records that may be one entity. `cluster_id` is chosen (deterministically) by the caller."""

    cluster_id: str
    sync: str
    entity_type: str
    members: list[ClusterMember]
    pairs: list[CandidatePair] = field(default_factory=list)
    partition: str | None = None
    status: Literal["open", "resolved"] = "open"


@dataclass(frozen=True)
class Decision:
    """A data steward's ruling on a cluster: merge into `keep_record_key`, or keep apart."""

    cluster_id: str
    decision: Literal["keep", "separate"]
    keep_record_key: str | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class TokenSet:
    """An OAuth token pair. The secrets are left out of repr() so they never reach a log."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    refresh_expires_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class StoredToken(TokenSet):
    """A TokenSet as the ledger holds it; `version` is what the next swap must expect."""

    _: KW_ONLY
    system: str
    tenant: str
    version: int
    updated_at: datetime
