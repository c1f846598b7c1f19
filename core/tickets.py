"""The ticket domain the core speaks, whatever the backend (local desk, Autotask, Waystone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal


class Priority(StrEnum):
    """The bot's own priority scale; each backend maps it to its tenant's values."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    CRITICAL = "Critical"

    @classmethod
    def parse(cls, text: str) -> Priority | None:
        """Case-insensitive label (``high``, ``P1``..``P4`` too); ``None`` when unknown."""
        cleaned = text.strip().lower()
        for member in cls:
            if member.value.lower() == cleaned:
                return member
        return _P_LEVELS.get(cleaned)


_P_LEVELS = {
    "p1": Priority.CRITICAL,
    "p2": Priority.HIGH,
    "p3": Priority.MEDIUM,
    "p4": Priority.LOW,
}

# The local desk's statuses, also the labels the bot uses when a backend has none of its own.
STATUS_NEW = "New"
STATUS_IN_PROGRESS = "In Progress"
STATUS_WAITING_CUSTOMER = "Waiting Customer"
STATUS_COMPLETE = "Complete"

TICKET_NUMBER_RE = re.compile(r"\bT(\d{8})\.(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class TicketRef:
    """How a person names a ticket: Autotask's integer ``id`` (48213) or its ``ticketNumber``
    (T20251104.0031)."""

    kind: Literal["id", "number"]
    value: str

    @classmethod
    def parse(cls, text: str) -> TicketRef | None:
        """Parse exactly one reference (``48213``, ``#48213``, ``T20251104.0031``)."""
        cleaned = text.strip().lstrip("#").strip()
        match = TICKET_NUMBER_RE.fullmatch(cleaned)
        if match:
            return cls("number", f"T{match.group(1)}.{match.group(2)}")
        if cleaned.isdigit() and 0 < len(cleaned) <= 10 and int(cleaned) > 0:
            return cls("id", str(int(cleaned)))
        return None

    @property
    def ticket_id(self) -> int | None:
        return int(self.value) if self.kind == "id" else None

    def __str__(self) -> str:
        return self.value if self.kind == "number" else f"#{self.value}"


@dataclass(frozen=True)
class TicketDraft:
    """A ticket the person is about to create. ``description`` keeps their own words whole.

    ``idempotency_key`` is unique per draft: a backend uses it to make sure a retried create
    never files a second ticket. ``attempted_at``: an earlier attempt to file this very draft
    began then and never finished (a retaken event); its request may still be on its way, so a
    backend that cannot make the create itself idempotent waits it out before looking for it.
    """

    title: str
    description: str
    priority: Priority = Priority.MEDIUM
    idempotency_key: str | None = None
    attempted_at: datetime | None = None


@dataclass(frozen=True)
class Note:
    """``internal``: a note the requester never reads (only in a technician's view)."""

    author: str
    text: str
    created_at: datetime
    title: str | None = None
    internal: bool = False


@dataclass(frozen=True)
class Ticket:
    """A ticket as the backend reports it. ``status`` and ``priority`` are the backend's labels
    (tenants name them differently); ``is_closed`` says whether the status is the complete one."""

    id: int
    number: str
    title: str
    status: str
    priority: str
    description: str = ""
    created_at: datetime | None = None
    last_activity_at: datetime | None = None
    queue: str | None = None
    assignee: str | None = None
    requester: str | None = None
    is_closed: bool = False
    notes: tuple[Note, ...] = ()
    web_url: str | None = None

    @property
    def ref(self) -> TicketRef:
        return TicketRef("id", str(self.id))
