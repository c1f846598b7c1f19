"""Tables: conversations and their turns, processed event ids, and the local ticket desk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UtcDateTime


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint(
            "platform", "tenant_id", "channel_id", "thread_id", name="uq_conversation"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[str] = mapped_column(String(255))
    channel_id: Mapped[str] = mapped_column(String(255))
    thread_id: Mapped[str] = mapped_column(String(255), default="")  # "" when not threaded
    delivery_ref: Mapped[str | None] = mapped_column(Text, default=None)
    pending_action: Mapped[str | None] = mapped_column(Text, default=None)  # JSON
    # The ticket in focus (its id), so "status?" / "also …" resolve after a restart too.
    focus_ticket: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (Index("ix_turns_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    llm_calls: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    llm_latency_ms: Mapped[float] = mapped_column(default=0.0)
    llm_model: Mapped[str | None] = mapped_column(String(128), default=None)
    llm_outcome: Mapped[str | None] = mapped_column(String(64), default=None)


class ProcessedEventRow(Base):
    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The event that claimed this key (its retake may use it again), and, once the event is
    # finished, what it answered (JSON replies): a retake answers the same again.
    owner: Mapped[str | None] = mapped_column(String(255), default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)


class LocalTicketRow(Base):
    __tablename__ = "local_tickets"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), index=True)
    priority: Mapped[str] = mapped_column(String(16))
    requester_email: Mapped[str] = mapped_column(String(320), index=True)
    requester_name: Mapped[str] = mapped_column(String(255), default="")
    assignee: Mapped[str | None] = mapped_column(String(255), default=None)
    queue: Mapped[str] = mapped_column(String(64), default="Service Desk")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime())

    notes: Mapped[list[LocalNoteRow]] = relationship(
        back_populates="ticket", order_by="LocalNoteRow.id", cascade="all, delete-orphan"
    )


class LocalNoteRow(Base):
    __tablename__ = "local_ticket_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("local_tickets.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    ticket: Mapped[LocalTicketRow] = relationship(back_populates="notes")


# -- files that came with messages (storage/attachments.py) -------------------------------------


class AttachmentRow(Base):
    """A file an adapter downloaded, kept until it reaches a ticket or is purged."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(300))  # platform:user_id
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LocalAttachmentRow(Base):
    """A file attached to a ticket of the local desk."""

    __tablename__ = "local_ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("local_tickets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))  # sha256: the same file is attached once
    attached_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# -- rate limits and the audit trail (storage/rate_limits.py, storage/audit.py) ------------------


class RateBucketRow(Base):
    """One token bucket: its tokens at ``updated_at``; ``version`` guards concurrent takers."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    tokens: Mapped[float] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)


class AuditRow(Base):
    """One audit entry. Append-only: database triggers refuse UPDATE, and DELETE of entries
    younger than the retention in :class:`AuditRetentionRow` (see storage/migrations)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(32), default="")
    user_id: Mapped[str] = mapped_column(String(255), default="")
    user_email: Mapped[str | None] = mapped_column(String(320), default=None, index=True)
    conversation: Mapped[str] = mapped_column(String(1024), default="")
    ticket: Mapped[str | None] = mapped_column(String(64), default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON object


class AuditRetentionRow(Base):
    """One row (id 1): how many days of audit trail the append-only guard lets be deleted
    past; ``days`` NULL keeps everything."""

    __tablename__ = "audit_retention"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_audit_retention_one_row"),
        CheckConstraint("days IS NULL OR days >= 1", name="ck_audit_retention_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    days: Mapped[int | None] = mapped_column(Integer, default=None)


# -- updates back in the chat (storage/updates.py) --------------------------------------------
# updates: tables of the updates lane (issue 13); additive only.


class UpdateTrackingRow(Base):
    """A conversation following a ticket for one person, with what they last saw of it."""

    __tablename__ = "update_tracking"
    __table_args__ = (
        UniqueConstraint("backend", "ticket_id", "user_email", name="uq_update_tracking"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    user_email: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[str] = mapped_column(String(255))
    conversation: Mapped[str] = mapped_column(Text)  # JSON of a ConversationRef
    snapshot: Mapped[str] = mapped_column(Text, default="{}")  # JSON of a Snapshot
    muted: Mapped[bool] = mapped_column(default=False)
    tracked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UpdateSignalRow(Base):
    """A "ticket touched" signal; ``key`` (backend:ticket:sequence) makes redeliveries no-ops."""

    __tablename__ = "update_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    backend: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(255), default=None)
    event_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None, index=True)


class UpdateOutboxRow(Base):
    """A message for one conversation: pending, sent, gone (left/blocked) or failed."""

    __tablename__ = "update_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    tracking_id: Mapped[int] = mapped_column(
        ForeignKey("update_tracking.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(32), index=True)
    reply: Mapped[str] = mapped_column(Text)  # JSON of a Reply
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class UpdateStateRow(Base):
    """Small named values of the update machinery (the polling watermark, the webhook)."""

    __tablename__ = "update_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LocalInternalNoteRow(Base):
    """Local desk notes a technician keeps internal: apart from ``local_ticket_notes`` so the
    requester's view of the desk never reads them."""

    __tablename__ = "local_internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("local_tickets.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UpdateTicketFactRow(Base):
    """One ticket's service facts for ``ticketbot report``: when it was filed, first answered
    and resolved, how often reopened, and the requester's rating."""

    __tablename__ = "update_ticket_facts"
    __table_args__ = (UniqueConstraint("backend", "ticket_id", name="uq_update_ticket_facts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int] = mapped_column(Integer)
    company: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None, index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


# -- the durable inbox and the outbox (storage/inbox.py) ---------------------------------------


class InboxRow(Base):
    """An acknowledged event waiting to be worked on (or done): the neutral event as JSON and
    where its answer goes. A worker holds it while ``lease_until`` is in the future."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_status_lease", "status", "lease_until"),)

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(Text)  # core.wire.event_to_json (received: the adapter's)
    destination: Mapped[str] = mapped_column(Text)  # the adapter's, opaque here
    status: Mapped[str] = mapped_column(String(16), default="pending")  # received | pending | done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OutboxRow(Base):
    """The replies of one finished event, until they are delivered."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_next", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str] = mapped_column(Text)
    replies: Mapped[str] = mapped_column(Text)  # core.wire.replies_to_json
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class CardValuesRow(Base):
    """Values too long for a button, parked by token (storage/card_values.py)."""

    __tablename__ = "card_values"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    values: Mapped[str] = mapped_column(Text)  # JSON object
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# -- the triage channel's cards (storage/triage.py) --------------------------------------------


class TriageCardRow(Base):
    """One ticket's card in one triage channel: where it was posted (``message_ref``: Slack's
    ``ts``, Teams' activity id), what it last showed, and whether it is due. ``version`` counts
    the ticket's changes, ``rendered_version`` the last one the card shows; ``posting_since`` is
    set while a post is under way (still set after a crash: its outcome is unknown)."""

    __tablename__ = "triage_cards"
    __table_args__ = (
        UniqueConstraint("backend", "ticket_id", "platform", "channel", name="uq_triage_card"),
        Index("ix_triage_cards_due", "state", "retry_at"),
        Index("ix_triage_cards_message", "platform", "channel", "message_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(255))
    delivery_ref: Mapped[str | None] = mapped_column(Text, default=None)  # Teams' reference
    message_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    requester: Mapped[str] = mapped_column(String(255), default="")
    company: Mapped[str] = mapped_column(String(255), default="")
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|posted|dirty|failed
    version: Mapped[int] = mapped_column(Integer, default=1)
    rendered_version: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    posting_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TriageChannelRow(Base):
    """A Teams channel the bot was added to, with the conversation reference to post there
    (its service URL and tenant): how a configured triage channel is reached."""

    __tablename__ = "triage_channels"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(255), primary_key=True)
    delivery_ref: Mapped[str] = mapped_column(Text)
    team: Mapped[str] = mapped_column(String(255), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
