"""Escalations and attachment blobs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("customer", sa.Text, nullable=False, server_default=""),
        sa.Column("component", sa.Text, nullable=False, server_default=""),
        sa.Column("priority", sa.String(8), nullable=False, server_default=""),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("deleted_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_escalations_status", "escalations", ["status"])
    op.create_index("ix_escalations_updated_at", "escalations", ["updated_at"])
    op.create_index("ix_escalations_deleted_at", "escalations", ["deleted_at"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("blobs")
    op.drop_table("escalations")
