"""The schema as it was before migrations (release 0.1): the first revision.

A database made by that release already has these tables (it was built with ``create_all``):
tables that exist are kept as they are, only missing ones are created.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# A frozen copy of storage/models.py at this revision: later model changes don't change it.
schema = sa.MetaData()

sa.Table(
    "conversations",
    schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("tenant_id", sa.String(255), nullable=False),
    sa.Column("channel_id", sa.String(255), nullable=False),
    sa.Column("thread_id", sa.String(255), nullable=False),
    sa.Column("delivery_ref", sa.Text(), nullable=True),
    sa.Column("pending_action", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("platform", "tenant_id", "channel_id", "thread_id", name="uq_conversation"),
)
sa.Table(
    "turns",
    schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "conversation_id",
        sa.Integer(),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("intent", sa.String(32), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    sa.Column("llm_calls", sa.Integer(), nullable=False),
    sa.Column("prompt_tokens", sa.Integer(), nullable=False),
    sa.Column("completion_tokens", sa.Integer(), nullable=False),
    sa.Column("llm_latency_ms", sa.Double(), nullable=False),
    sa.Column("llm_model", sa.String(128), nullable=True),
    sa.Column("llm_outcome", sa.String(64), nullable=True),
    sa.Index("ix_turns_conversation_id_id", "conversation_id", "id"),
)
sa.Table(
    "processed_events",
    schema,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("processed_at", sa.DateTime(), nullable=False, index=True),
)
sa.Table(
    "local_tickets",
    schema,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("number", sa.String(20), nullable=False, unique=True),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("requester_email", sa.String(320), nullable=False, index=True),
    sa.Column("requester_name", sa.String(255), nullable=False),
    sa.Column("assignee", sa.String(255), nullable=True),
    sa.Column("queue", sa.String(64), nullable=False),
    sa.Column("idempotency_key", sa.String(64), nullable=True, unique=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_activity_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "local_ticket_notes",
    schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "ticket_id",
        sa.Integer(),
        sa.ForeignKey("local_tickets.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("author", sa.String(255), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "rate_buckets",
    schema,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("tokens", sa.Double(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)
sa.Table(
    "audit_log",
    schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("at", sa.DateTime(), nullable=False, index=True),
    sa.Column("action", sa.String(64), nullable=False, index=True),
    sa.Column("outcome", sa.Text(), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("user_email", sa.String(320), nullable=True, index=True),
    sa.Column("conversation", sa.String(1024), nullable=False),
    sa.Column("ticket", sa.String(64), nullable=True),
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Index("ix_audit_log_user_at", "user_id", "at"),
)


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    schema.create_all(bind, tables=[t for t in schema.sorted_tables if t.name not in existing])
    if bind.dialect.name == "sqlite":
        # The release's append-only guard (PostgreSQL had none; revision 0002 adds it).
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{operation.lower()} "
                f"BEFORE {operation} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    schema.drop_all(op.get_bind())
