"""ticket updates in the chat: tracking, signals, outbox, state, ticket facts, internal notes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 01:47:02.514704
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "update_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("event_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("update_signals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_update_signals_processed_at"), ["processed_at"], unique=False
        )

    op.create_table(
        "update_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "update_ticket_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("backend", "ticket_id", name="uq_update_ticket_facts"),
    )
    with op.batch_alter_table("update_ticket_facts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_update_ticket_facts_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "update_tracking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("conversation", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("tracked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("backend", "ticket_id", "user_email", name="uq_update_tracking"),
    )
    with op.batch_alter_table("update_tracking", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_update_tracking_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "local_internal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["local_tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("local_internal_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_local_internal_notes_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "update_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("tracking_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tracking_id"], ["update_tracking.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("update_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_update_outbox_platform"), ["platform"], unique=False)
        batch_op.create_index(batch_op.f("ix_update_outbox_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_update_outbox_tracking_id"), ["tracking_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("update_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_outbox_tracking_id"))
        batch_op.drop_index(batch_op.f("ix_update_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_update_outbox_platform"))

    op.drop_table("update_outbox")
    with op.batch_alter_table("local_internal_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_local_internal_notes_ticket_id"))

    op.drop_table("local_internal_notes")
    with op.batch_alter_table("update_tracking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_tracking_ticket_id"))

    op.drop_table("update_tracking")
    with op.batch_alter_table("update_ticket_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_ticket_facts_created_at"))

    op.drop_table("update_ticket_facts")
    op.drop_table("update_state")
    with op.batch_alter_table("update_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_signals_processed_at"))

    op.drop_table("update_signals")
