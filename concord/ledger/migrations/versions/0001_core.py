"""Core ledger state: cursors, xref, record_state, outbox, sync_log, quarantine.

Revision ID: 0001
Revises:
Create Date: 2025-11-23

Written by hand, not imported from the models, so that this revision stays what it was
when later revisions change the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _one_of(column: str, values: Sequence[str], name: str) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


def upgrade() -> None:
    op.create_table(
        "cursors",
        sa.Column("sync", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("high_water", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sync", "system", "obj", name="pk_cursors"),
    )
    op.create_table(
        "xref",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("golden_id", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_xref"),
        sa.UniqueConstraint("system", "obj", "record_id", name="uq_xref_system_obj_record_id"),
    )
    op.create_index("ix_xref_golden_id_system_obj", "xref", ["golden_id", "system", "obj"])
    op.create_table(
        "record_state",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("system", "obj", "record_id", name="pk_record_state"),
    )
    op.create_table(
        "outbox",
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("sync", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_key", sa.String(), nullable=False),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("payload_hash", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_outbox"),
        _one_of(
            "state", ("pending", "sent", "uncertain", "confirmed", "failed"), "ck_outbox_state"
        ),
    )
    op.create_index("ix_outbox_sync_system_state", "outbox", ["sync", "system", "state"])
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.create_index("ix_outbox_system_obj_record_key", "outbox", ["system", "obj", "record_key"])
    op.create_table(
        "sync_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
            autoincrement=True,
        ),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("sync", sa.String(), nullable=False),
        sa.Column("partition", sa.String(), nullable=True),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_key", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_log"),
        _one_of(
            "action",
            ("create", "update", "unchanged", "conflict", "delete", "skip", "quarantine"),
            "ck_sync_log_action",
        ),
        _one_of("outcome", ("ok", "failed", "skipped"), "ck_sync_log_outcome"),
    )
    op.create_index("ix_sync_log_run_id_sync", "sync_log", ["run_id", "sync"])
    op.create_index("ix_sync_log_sync_outcome", "sync_log", ["sync", "outcome"])
    op.create_index(
        "ix_sync_log_system_obj_record_key", "sync_log", ["system", "obj", "record_key"]
    )
    op.create_table(
        "quarantine",
        sa.Column("sync", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_key", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("partition", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("released_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("sync", "obj", "record_key", "rule", name="pk_quarantine"),
        _one_of("status", ("open", "released"), "ck_quarantine_status"),
    )
    op.create_index("ix_quarantine_sync_status", "quarantine", ["sync", "status"])


def downgrade() -> None:
    for table in ("quarantine", "sync_log", "outbox", "record_state", "xref", "cursors"):
        op.drop_table(table)
