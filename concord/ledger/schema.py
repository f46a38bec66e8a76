"""Table definitions of the ledger: the models alembic's migrations must reproduce exactly.

A test compares the migrated schema with this metadata (autogenerate finds no diff), so
a change here needs a new revision in `migrations/versions/`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from concord.ledger.rows import (
    CLUSTER_STATUSES,
    DECISIONS,
    LOG_ACTIONS,
    LOG_OUTCOMES,
    OUTBOX_STATES,
    QUARANTINE_STATUSES,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type and SQLAlchemy drops tzinfo there, so values are
    stored as naive UTC (which also keeps string comparison in SQL chronological).
    PostgreSQL stores `timestamptz`; psycopg2 returns it in the session zone, which
    we convert back to UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the ledger; use UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


Str = sa.String  # unbounded VARCHAR: record keys of other systems have no length we control

# --- revision 0001 ----------------------------------------------------------------------

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("sync", Str(), nullable=False),
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("high_water", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("sync", "system", "obj"),
)

xref = sa.Table(
    "xref",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
    sa.Column("entity_type", Str(), nullable=False),
    sa.Column("golden_id", Str(), nullable=False),
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_id", Str(), nullable=False),
    sa.Column("reason", Str(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("system", "obj", "record_id"),
    sa.Index(None, "golden_id", "system", "obj"),
)

record_state = sa.Table(
    "record_state",
    metadata,
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_id", Str(), nullable=False),
    sa.Column("content_hash", Str(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("system", "obj", "record_id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("idempotency_key", Str(), nullable=False),
    sa.Column("sync", Str(), nullable=False),
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_key", Str(), nullable=False),
    sa.Column("operation", Str(), nullable=False),
    sa.Column("payload_hash", Str(), nullable=False),
    sa.Column("state", Str(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("target_id", Str(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("run_id", Str(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("idempotency_key"),
    _one_of("state", OUTBOX_STATES, "state"),
    sa.Index(None, "sync", "system", "state"),
    sa.Index(None, "state"),
    sa.Index(None, "system", "obj", "record_key"),
)

sync_log = sa.Table(
    "sync_log",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
        autoincrement=True,
    ),
    sa.Column("run_id", Str(), nullable=False),
    sa.Column("sync", Str(), nullable=False),
    sa.Column("partition", Str(), nullable=True),
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_key", Str(), nullable=False),
    sa.Column("action", Str(), nullable=False),
    sa.Column("outcome", Str(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    _one_of("action", LOG_ACTIONS, "action"),
    _one_of("outcome", LOG_OUTCOMES, "outcome"),
    sa.Index(None, "run_id", "sync"),
    sa.Index(None, "sync", "outcome"),
    sa.Index(None, "system", "obj", "record_key"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("sync", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_key", Str(), nullable=False),
    sa.Column("rule", Str(), nullable=False),
    sa.Column("field", Str(), nullable=True),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("run_id", Str(), nullable=True),
    sa.Column("partition", Str(), nullable=True),
    sa.Column("status", Str(), nullable=False),
    sa.Column("first_seen", UTCDateTime(), nullable=False),
    sa.Column("last_seen", UTCDateTime(), nullable=False),
    sa.Column("released_at", UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint("sync", "obj", "record_key", "rule"),
    _one_of("status", QUARANTINE_STATUSES, "status"),
    sa.Index(None, "sync", "status"),
)

# --- revision 0002 ----------------------------------------------------------------------

duplicate_clusters = sa.Table(
    "duplicate_clusters",
    metadata,
    sa.Column("cluster_id", Str(), nullable=False),
    sa.Column("sync", Str(), nullable=False),
    sa.Column("entity_type", Str(), nullable=False),
    sa.Column("partition", Str(), nullable=True),
    sa.Column("status", Str(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("cluster_id"),
    _one_of("status", CLUSTER_STATUSES, "status"),
    sa.Index(None, "sync", "status"),
)

duplicate_members = sa.Table(
    "duplicate_members",
    metadata,
    sa.Column("cluster_id", Str(), nullable=False),
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_key", Str(), nullable=False),
    sa.PrimaryKeyConstraint("cluster_id", "system", "obj", "record_key"),
    sa.ForeignKeyConstraint(
        ["cluster_id"], ["duplicate_clusters.cluster_id"], ondelete="CASCADE"
    ),
    sa.Index(None, "system", "obj", "record_key"),
)

duplicate_pairs = sa.Table(
    "duplicate_pairs",
    metadata,
    sa.Column("cluster_id", Str(), nullable=False),
    sa.Column("a", Str(), nullable=False),
    sa.Column("b", Str(), nullable=False),
    sa.Column("score", sa.Numeric(12, 6), nullable=False),
    sa.Column("reasons", sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint("cluster_id", "a", "b"),
    sa.ForeignKeyConstraint(
        ["cluster_id"], ["duplicate_clusters.cluster_id"], ondelete="CASCADE"
    ),
)

duplicate_decisions = sa.Table(
    "duplicate_decisions",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
    sa.Column("cluster_id", Str(), nullable=False),
    sa.Column("decision", Str(), nullable=False),
    sa.Column("keep_record_key", Str(), nullable=True),
    sa.Column("decided_by", Str(), nullable=False),
    sa.Column("decided_at", UTCDateTime(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.ForeignKeyConstraint(
        ["cluster_id"], ["duplicate_clusters.cluster_id"], ondelete="CASCADE"
    ),
    _one_of("decision", DECISIONS, "decision"),
    sa.Index(None, "cluster_id", "active"),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("system", Str(), nullable=False),
    sa.Column("tenant", Str(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("ciphertext", sa.Text(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("refresh_expires_at", UTCDateTime(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("system", "tenant"),
)

match_keys = sa.Table(
    "match_keys",
    metadata,
    sa.Column("system", Str(), nullable=False),
    sa.Column("obj", Str(), nullable=False),
    sa.Column("record_id", Str(), nullable=False),
    sa.Column("key_name", Str(), nullable=False),
    sa.Column("key_value", Str(), nullable=False),
    sa.PrimaryKeyConstraint("system", "obj", "record_id", "key_name"),
    sa.Index(None, "system", "obj", "key_name", "key_value"),
)

TABLES_0001 = ("cursors", "xref", "record_state", "outbox", "sync_log", "quarantine")
TABLES_0002 = (
    "duplicate_clusters", "duplicate_members", "duplicate_pairs", "duplicate_decisions",
    "tokens", "match_keys",
)
