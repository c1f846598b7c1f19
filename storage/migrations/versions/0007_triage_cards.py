"""the triage channel: one card per ticket and channel; Teams channels the bot was added to

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
# Other lanes may add a 0007 in parallel: at merge, this follows whichever is newest.
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "triage_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("delivery_ref", sa.Text(), nullable=True),
        sa.Column("message_ref", sa.String(length=255), nullable=True),
        sa.Column("requester", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered_version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("posting_since", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("backend", "ticket_id", "platform", "channel", name="uq_triage_card"),
    )
    with op.batch_alter_table("triage_cards", schema=None) as batch_op:
        batch_op.create_index("ix_triage_cards_due", ["state", "retry_at"], unique=False)
        batch_op.create_index(
            "ix_triage_cards_message", ["platform", "channel", "message_ref"], unique=False
        )

    op.create_table(
        "triage_channels",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("delivery_ref", sa.Text(), nullable=False),
        sa.Column("team", sa.String(length=255), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "channel"),
    )


def downgrade() -> None:
    op.drop_table("triage_channels")
    with op.batch_alter_table("triage_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_cards_message")
        batch_op.drop_index("ix_triage_cards_due")

    op.drop_table("triage_cards")
