"""Concord's own state: cursors, xref, record state, outbox, sync log, quarantine,
duplicates and OAuth tokens, in SQLite (default) or PostgreSQL, migrated by alembic."""

from concord.ledger.errors import (
    InvalidDecision,
    LedgerError,
    StaleTokenVersion,
    TokenKeyError,
    UnknownCluster,
)
from concord.ledger.ledger import Ledger
from concord.ledger.rows import (
    CandidatePair,
    ClusterMember,
    Decision,
    DuplicateCluster,
    OutboxEntry,
    QuarantineRow,
    StoredToken,
    SyncLogRow,
    TokenSet,
    XrefLink,
)

__all__ = [
    "CandidatePair",
    "ClusterMember",
    "Decision",
    "DuplicateCluster",
    "InvalidDecision",
    "Ledger",
    "LedgerError",
    "OutboxEntry",
    "QuarantineRow",
    "StaleTokenVersion",
    "StoredToken",
    "SyncLogRow",
    "TokenKeyError",
    "TokenSet",
    "UnknownCluster",
    "XrefLink",
]
