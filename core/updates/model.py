"""The neutral vocabulary of updates: signals, what a backend reports, snapshots and changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol

from core.messages import ConversationRef, UserRef
from core.tickets import Ticket


@dataclass(frozen=True)
class TicketTouched:
    """Something changed on a ticket (a webhook callout, a poll hit, a desk action).

    ``sequence`` orders events of one ticket (Autotask's ``SequenceNumber``, or the activity time
    as ISO 8601); with ``backend`` and ``ticket_id`` it identifies the event for deduplication.
    ``actor`` is who made the change when the source knows it.
    """

    backend: str
    ticket_id: int
    at: datetime
    sequence: str
    source: str = "poll"
    actor: str | None = None

    @property
    def key(self) -> str:
        return f"{self.backend}:{self.ticket_id}:{self.sequence}"


@dataclass(frozen=True)
class TicketState:
    """A ticket as the bot itself reads it (no requester's view): the ticket and the e-mail of
    its requester, for the identity check before anything is sent."""

    ticket: Ticket
    requester_email: str | None
    company: str = ""  # for the report (Autotask company id, or the e-mail's domain)


@dataclass(frozen=True)
class FeedNote:
    """A note on a ticket. ``public`` is whether the requester may read it (Autotask publish
    "All"; a local desk note not marked internal); ``by_requester`` marks the person's own."""

    note_id: str
    author: str
    text: str
    created_at: datetime
    public: bool
    by_requester: bool = False


class TicketFeed(Protocol):
    """How the update machinery reads a backend, as the bot (not as any requester)."""

    backend: str

    def state(self, ticket_id: int) -> TicketState | None:
        """The ticket now, or None when it is gone."""
        ...

    def notes_since(self, ticket_id: int, since: datetime | None) -> list[FeedNote]:
        """Notes created after ``since`` (all when None), oldest first."""
        ...


class ChangePoller(Protocol):
    """A feed that can find changed tickets itself (polling)."""

    def touched_since(self, ticket_ids: Sequence[int], since: datetime) -> list[TicketTouched]:
        """Tickets among ``ticket_ids`` with activity after ``since``, in a fixed number of
        requests (paged), whatever the number of ids."""
        ...


class TicketTracker(Protocol):
    """Told by the conversation side which conversation a ticket belongs to."""

    def track(self, ticket: Ticket, conversation: ConversationRef, user: UserRef) -> None:
        """``user`` just created, read or changed ``ticket`` in ``conversation`` (and so has
        seen it as it is now: that state is never announced back to them)."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """What the person last saw of a ticket."""

    status: str = ""
    closed: bool = False
    assignee: str | None = None
    notes_until: datetime | None = None
    activity_at: datetime | None = None

    @classmethod
    def of(cls, ticket: Ticket, notes_until: datetime | None = None) -> Snapshot:
        latest = max((note.created_at for note in ticket.notes), default=None)
        seen = max((t for t in (notes_until, latest) if t is not None), default=None)
        return cls(
            status=ticket.status,
            closed=ticket.is_closed,
            assignee=ticket.assignee,
            notes_until=seen,
            activity_at=ticket.last_activity_at,
        )

    def seen_notes_until(self, when: datetime | None) -> Snapshot:
        if when is None or (self.notes_until is not None and when <= self.notes_until):
            return self
        return replace(self, notes_until=when)

    def to_json(self) -> str:
        return json.dumps(
            {
                "status": self.status,
                "closed": self.closed,
                "assignee": self.assignee,
                "notes_until": _iso(self.notes_until),
                "activity_at": _iso(self.activity_at),
            }
        )

    @classmethod
    def from_json(cls, raw: str | None) -> Snapshot:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(
            status=str(data.get("status") or ""),
            closed=bool(data.get("closed")),
            assignee=data.get("assignee"),
            notes_until=_time(data.get("notes_until")),
            activity_at=_time(data.get("activity_at")),
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


ChangeKind = Literal["assigned", "status", "resolved", "note"]


@dataclass(frozen=True)
class Change:
    """One thing the person is told. ``text`` is the note text for ``note``, the new status for
    ``status`` / ``resolved``, the technician's name for ``assigned``."""

    kind: ChangeKind
    text: str
    author: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Tracked:
    """A conversation that follows a ticket for one person."""

    tracking_id: int
    backend: str
    ticket_id: int
    conversation: ConversationRef
    user_id: str
    user_email: str
    snapshot: Snapshot
    muted: bool = False


DeliveryResult = Literal["sent", "retry", "gone"]


@dataclass(frozen=True)
class Outgoing:
    """An outbox message due for sending, with the conversation it is for."""

    outbox_id: int
    key: str
    reply_json: str
    attempts: int
    tracked: Tracked
