"""The intent taxonomy and what a classifier returns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.tickets import Priority, TicketRef


class Intent(StrEnum):
    CREATE_TICKET = "create_ticket"
    TICKET_STATUS = "ticket_status"
    ADD_NOTE = "add_note"
    LIST_TICKETS = "list_tickets"
    CLOSE_TICKET = "close_ticket"
    REOPEN_TICKET = "reopen_ticket"
    CHANGE_PRIORITY = "change_priority"
    QUESTION = "question"
    HELP = "help"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class LlmUsage:
    """What understanding one message cost. All zero for the offline classifier."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    model: str | None = None
    outcome: str = "none"  # ok | fallback:<reason> | none


@dataclass(frozen=True)
class Classification:
    """A classifier's reading of one message.

    ``description`` is the part of the message that belongs in the ticket or note (for a new
    ticket, the person's whole words). ``reply`` is an answer a classifier may draft for
    ``question`` / ``smalltalk`` / ``help``; the core shows it as text only.

    ``priority`` is the level a new ticket should get (``create_ticket``) or the level the
    person asks for (``change_priority``); ``priority_reason`` says in a short sentence why a
    new ticket got its level. ``remainder`` is the text of a second, different request in the
    same message ("check 10002 and also my mouse is broken" -> "my mouse is broken"), for the
    core to act on next; ``None`` when the message asks for one thing.
    """

    intent: Intent
    ticket: TicketRef | None = None
    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    reply: str | None = None
    source: str = "rules"
    usage: LlmUsage | None = None
    priority_reason: str | None = None
    remainder: str | None = None
