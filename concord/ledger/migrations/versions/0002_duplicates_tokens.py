"""Duplicates (clusters, members, pairs, decisions), OAuth tokens and target match keys.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _cluster_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["cluster_id"], ["duplicate_clusters.cluster_id"],
        name=f"fk_{table}_cluster_id_duplicate_clusters", ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "duplicate_clusters",
        sa.Column("cluster_id", sa.String(), nullable=False),
        sa.Column("sync", sa.String(), nullable=False),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("partition", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("cluster_id", name="pk_duplicate_clusters"),
        sa.CheckConstraint(
            "status IN ('open', 'resolved')", name="ck_duplicate_clusters_status"
        ),
    )
    op.create_index(
        "ix_duplicate_clusters_sync_status", "duplicate_clusters", ["sync", "status"]
    )
    op.create_table(
        "duplicate_members",
        sa.Column("cluster_id", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cluster_id", "system", "obj", "record_key", name="pk_duplicate_members"
        ),
        _cluster_fk("duplicate_members"),
    )
    op.create_index(
        "ix_duplicate_members_system_obj_record_key",
        "duplicate_members", ["system", "obj", "record_key"],
    )
    op.create_table(
        "duplicate_pairs",
        sa.Column("cluster_id", sa.String(), nullable=False),
        sa.Column("a", sa.String(), nullable=False),
        sa.Column("b", sa.String(), nullable=False),
        sa.Column("score", sa.Numeric(12, 6), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("cluster_id", "a", "b", name="pk_duplicate_pairs"),
        _cluster_fk("duplicate_pairs"),
    )
    op.create_table(
        "duplicate_decisions",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("cluster_id", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("keep_record_key", sa.String(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_decisions"),
        _cluster_fk("duplicate_decisions"),
        sa.CheckConstraint(
            "decision IN ('keep', 'separate')", name="ck_duplicate_decisions_decision"
        ),
    )
    op.create_index(
        "ix_duplicate_decisions_cluster_id_active",
        "duplicate_decisions", ["cluster_id", "active"],
    )
    op.create_table(
        "tokens",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("refresh_expires_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("system", "tenant", name="pk_tokens"),
    )
    op.create_table(
        "match_keys",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("obj", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("key_name", sa.String(), nullable=False),
        sa.Column("key_value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint(
            "system", "obj", "record_id", "key_name", name="pk_match_keys"
        ),
    )
    op.create_index(
        "ix_match_keys_system_obj_key_name_key_value",
        "match_keys", ["system", "obj", "key_name", "key_value"],
    )


def downgrade() -> None:
    for table in (
        "match_keys", "tokens", "duplicate_decisions", "duplicate_pairs",
        "duplicate_members", "duplicate_clusters",
    ):
        op.drop_table(table)
