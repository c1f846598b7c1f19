"""the durable inbox and outbox, card values; processed events record owner and outcome

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 01:58:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
# 0005 (ticket updates) is written in parallel: at merge, this follows whichever is newest.
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=True))
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=255), primary_key=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_inbox_status_lease", "inbox", ["status", "lease_until"])
    op.create_index("ix_inbox_created_at", "inbox", ["created_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.String(length=255), nullable=False, unique=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("replies", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outbox_sent_next", "outbox", ["sent_at", "next_attempt_at"])
    op.create_table(
        "card_values",
        sa.Column("token", sa.String(length=32), primary_key=True),
        sa.Column("values", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_card_values_expires_at", "card_values", ["expires_at"])


def downgrade() -> None:
    op.drop_table("card_values")
    op.drop_table("outbox")
    op.drop_table("inbox")
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.drop_column("owner")
