"""Field baselines and field conflicts of the bidirectional sync (concord/ledger/baselines.py).

Staged beside `versions/` until the lead moves it in (and renumbers it if another 0003
landed first); tests/ledger/test_baselines.py runs it from wherever it is.

Revision ID: 0003_field_baselines
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_field_baselines"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "field_baselines",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("golden_id", sa.String(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("system", "obj", "golden_id", name="pk_field_baselines"),
    )
    op.create_table(
        "field_conflicts",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("sync", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("golden_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("leader", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("resolution", sa.String(), nullable=False),
        sa.Column("observed", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(), nullable=True),
        sa.Column("target_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("open_key", sa.String(), nullable=True),
        sa.Column("detected_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.Column("decision", sa.String(), nullable=True),
        sa.Column("applied_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_field_conflicts"),
        sa.UniqueConstraint("open_key", name="uq_field_conflicts_open_key"),
        sa.CheckConstraint("kind IN ('conflict', 'override', 'unmappable')",
                           name="ck_field_conflicts_kind"),
        sa.CheckConstraint("resolution IN ('platform', 'salesforce', 'held')",
                           name="ck_field_conflicts_resolution"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_field_conflicts_status"),
    )
    op.create_index("ix_field_conflicts_sync_status", "field_conflicts", ["sync", "status"])
    op.create_index("ix_field_conflicts_system_obj_golden_id", "field_conflicts",
                    ["system", "obj", "golden_id"])


def downgrade() -> None:
    op.drop_table("field_conflicts")
    op.drop_table("field_baselines")
