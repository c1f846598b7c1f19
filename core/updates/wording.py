"""What the person reads: one message (text plus the refreshed ticket card) per batch of
changes (its JSON form for the outbox is core/wire.py's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from core import actions
from core.cards import ticket_card
from core.messages import (
    Card,
    CardAction,
    CardInput,
    Reply,
)
from core.tickets import Note, Ticket
from core.updates.model import Change

NOTE_SHOWN_MAX = 1500
NOTE_MAX = 3000

# Card actions of update messages (``ticket.`` so the Slack adapter routes them to the core).
FIXED = actions.UPDATE_FIXED
REOPEN = actions.UPDATE_REOPEN
RATE = actions.UPDATE_RATE
COMMENT = actions.UPDATE_COMMENT
MUTE = actions.UPDATE_MUTE
UPDATE_ACTIONS = frozenset({FIXED, REOPEN, RATE, COMMENT, MUTE})
INPUT_NOTE = actions.INPUT_NOTE


def is_waiting_customer(status: str) -> bool:
    """Statuses that ask the requester for something ("Waiting Customer" and its variants)."""
    folded = status.casefold()
    return "waiting" in folded and ("customer" in folded or "client" in folded)


def change_line(change: Change) -> str:
    """One sentence for one change."""
    if change.kind == "assigned":
        return f"{change.text} is on it."
    if change.kind == "note":
        text = change.text.strip()
        if len(text) > NOTE_SHOWN_MAX:
            text = text[: NOTE_SHOWN_MAX - 1] + "…"
        return f"{change.author or 'The technician'} wrote: “{text}”"
    if change.kind == "resolved":
        return f"It has been resolved ({change.text}). Did this fix it?"
    if is_waiting_customer(change.text):
        return "The technician is waiting for you: could you reply here with what they asked?"
    return f"The status is now {change.text}."


def compose(ticket: Ticket, changes: Sequence[Change]) -> Reply:
    """One message for ``changes`` of ``ticket`` (never empty ``changes``)."""
    head = f"Update on ticket {ticket.number} “{ticket.title}”"
    lines = [change_line(change) for change in changes]
    if len(lines) == 1:
        text = f"{head}: {lines[0]}"
    else:
        text = head + ":\n" + "\n".join(f"• {line}" for line in lines)
    public_notes = tuple(
        Note(author=c.author or "", text=c.text, created_at=c.at or datetime.min)
        for c in changes
        if c.kind == "note" and c.at is not None
    )
    card = ticket_card(replace(ticket, notes=public_notes[-3:]))
    extra: list[CardAction] = []
    if any(change.kind == "resolved" for change in changes):
        extra += resolved_actions(ticket.id)
    extra.append(CardAction(MUTE, "Mute updates", MappingProxyType({"ticket": str(ticket.id)})))
    return Reply(text, card=replace(card, kind="ticket", actions=(*extra, *card.actions)))


def resolved_actions(ticket_id: int) -> list[CardAction]:
    """ "Did this fix it?": Yes, close it / No, reopen (asking what is still wrong)."""
    values = MappingProxyType({"ticket": str(ticket_id)})
    return [
        CardAction(FIXED, "Yes, close it", values, style="primary"),
        CardAction(
            REOPEN,
            "No, reopen",
            values,
            style="danger",
            inputs=(
                CardInput(INPUT_NOTE, "What is still wrong?", multiline=True, max_length=NOTE_MAX),
            ),
        ),
    ]


def rating_card(ticket: Ticket) -> Card:
    """The optional 1–5 satisfaction rating, then an optional comment."""
    ref = str(ticket.id)
    buttons = tuple(
        CardAction(RATE, f"{n} ★", MappingProxyType({"ticket": ref, "rating": str(n)}))
        for n in range(1, 6)
    )
    comment = CardAction(
        COMMENT,
        "Add a comment",
        MappingProxyType({"ticket": ref}),
        inputs=(CardInput(INPUT_NOTE, "Comment", multiline=True, max_length=NOTE_MAX),),
    )
    return Card(
        title=f"How did we do on {ticket.number}?",
        kind="info",
        body="Rate the help you got from 1 (poor) to 5 (great). It's optional.",
        actions=(*buttons, comment),
    )
