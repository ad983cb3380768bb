"""Outbox, ticket keys on escalations, and small app state.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("ticket_key", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "outbox",
        sa.Column("escalation_id", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("mode", sa.Text, nullable=False, server_default="create"),
        sa.Column("tracker", sa.Text, nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.String(40), nullable=True),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("ticket_key", sa.Text, nullable=False, server_default=""),
        sa.Column("ticket_url", sa.Text, nullable=False, server_default=""),
        sa.Column("queued_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_state")
    op.drop_table("outbox")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("ticket_key")
