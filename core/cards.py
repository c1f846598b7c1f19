"""The core's neutral cards: what a ticket, a draft, a close confirmation, a list and the help
look like, before any platform renders them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from core import actions
from core.commands import TECHNICIAN_USAGE_ALL, USAGE
from core.messages import Card, CardAction, CardField, CardInput, CardLink, CardNote
from core.tickets import Priority, Ticket, TicketDraft

PRIORITY_CHOICES = tuple(p.value for p in Priority)
TITLE_MAX = 100
NOTE_MAX = 3000


def _values(**values: str) -> MappingProxyType[str, str]:
    return MappingProxyType(values)


def note_input() -> CardInput:
    """The text box of a note on a ticket."""
    return CardInput(actions.INPUT_NOTE, "Note", multiline=True, max_length=NOTE_MAX, required=True)


def format_time(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "—"


def ticket_summary(ticket: Ticket) -> str:
    """One line for text replies and notifications."""
    who = f", assigned to {ticket.assignee}" if ticket.assignee else ", not assigned yet"
    return (
        f"Ticket {ticket.number} (#{ticket.id}) “{ticket.title}”: {ticket.status}, "
        f"priority {ticket.priority}{who}."
    )


def ticket_card(ticket: Ticket) -> Card:
    ref = str(ticket.id)
    fields = [
        CardField("Status", ticket.status),
        CardField("Priority", ticket.priority),
        CardField("Assigned to", ticket.assignee or "Not assigned yet"),
    ]
    if ticket.queue:
        fields.append(CardField("Queue", ticket.queue))
    fields.append(CardField("Last activity", format_time(ticket.last_activity_at)))
    card_actions: list[CardAction] = [
        CardAction(
            actions.ADD_NOTE,
            "Add note",
            _values(ticket=ref),
            inputs=(note_input(),),
        ),
        CardAction(actions.REFRESH, "Refresh", _values(ticket=ref)),
    ]
    if not ticket.is_closed:
        card_actions.append(
            CardAction(actions.CLOSE_REQUEST, "Close", _values(ticket=ref), style="danger")
        )
    else:
        card_actions.append(CardAction(actions.REOPEN, "Reopen", _values(ticket=ref)))
    return Card(
        kind="ticket",
        title=f"{ticket.number} · {ticket.title}",
        subtitle=f"Ticket #{ticket.id}",
        body=ticket.description or None,
        fields=tuple(fields),
        notes=tuple(CardNote(n.author, n.text, n.created_at, n.internal) for n in ticket.notes),
        actions=tuple(card_actions),
        link=CardLink("Open in Autotask", ticket.web_url) if ticket.web_url else None,
    )


def draft_values(draft: TicketDraft, draft_id: str) -> dict[str, str]:
    return {
        "draft_id": draft_id,
        actions.INPUT_TITLE: draft.title,
        actions.INPUT_DESCRIPTION: draft.description,
        actions.INPUT_PRIORITY: draft.priority.value,
    }


def draft_card(
    draft: TicketDraft,
    draft_id: str,
    *,
    heading: str = "New ticket",
    priority_reason: str | None = None,
) -> Card:
    values = _values(**draft_values(draft, draft_id))
    fields = [CardField("Title", draft.title), CardField("Priority", draft.priority.value)]
    if priority_reason:
        fields.append(CardField("Why this priority", priority_reason))
    return Card(
        kind="draft",
        title=heading,
        subtitle="Check the details, then create it.",
        body=draft.description,
        fields=tuple(fields),
        inputs=(
            CardInput(
                actions.INPUT_TITLE, "Title", draft.title, max_length=TITLE_MAX, required=True
            ),
            CardInput(
                actions.INPUT_PRIORITY, "Priority", draft.priority.value, choices=PRIORITY_CHOICES
            ),
        ),
        actions=(
            CardAction(actions.CREATE_CONFIRM, "Create ticket", values, style="primary"),
            CardAction(actions.CREATE_CANCEL, "Cancel", _values(draft_id=draft_id)),
        ),
    )


def close_confirm_card(ticket: Ticket, request_id: str | None = None) -> Card:
    values = _values(**close_values(ticket, request_id))
    return Card(
        kind="close_confirm",
        title=f"Close {ticket.number}?",
        subtitle=ticket.title,
        fields=(CardField("Status", ticket.status), CardField("Priority", ticket.priority)),
        actions=(
            CardAction(actions.CLOSE_CONFIRM, "Close ticket", values, style="danger"),
            CardAction(actions.CLOSE_CANCEL, "Keep it open", values),
        ),
    )


def close_values(ticket: Ticket, request_id: str | None) -> dict[str, str]:
    values = {actions.TICKET: str(ticket.id)}
    if request_id:
        values[actions.REQUEST_ID] = request_id
    return values


def priority_values(ticket: Ticket, priority: Priority, request_id: str) -> dict[str, str]:
    return {
        actions.TICKET: str(ticket.id),
        actions.INPUT_PRIORITY: priority.value,
        actions.REQUEST_ID: request_id,
    }


def priority_confirm_card(ticket: Ticket, priority: Priority, request_id: str) -> Card:
    values = _values(**priority_values(ticket, priority, request_id))
    return Card(
        kind="priority_confirm",
        title=f"Change {ticket.number} to {priority.value}?",
        subtitle=ticket.title,
        fields=(
            CardField("Priority now", ticket.priority),
            CardField("New priority", priority.value),
        ),
        actions=(
            CardAction(actions.PRIORITY_CONFIRM, "Change priority", values, style="primary"),
            CardAction(actions.PRIORITY_CANCEL, "Leave it", values),
        ),
    )


def note_values(ticket: Ticket, text: str, request_id: str) -> dict[str, str]:
    return {
        actions.TICKET: str(ticket.id),
        actions.INPUT_NOTE: text,
        actions.REQUEST_ID: request_id,
    }


def note_confirm_card(ticket: Ticket, text: str, request_id: str) -> Card:
    values = _values(**note_values(ticket, text, request_id))
    return Card(
        kind="note_confirm",
        title=f"Add this to {ticket.number}?",
        subtitle=ticket.title,
        body=text,
        actions=(
            CardAction(actions.NOTE_CONFIRM, "Add note", values, style="primary"),
            CardAction(actions.NOTE_CANCEL, "No, it's a new problem", values),
        ),
    )


def ticket_list_card(tickets: Sequence[Ticket], *, title: str = "Your open tickets") -> Card:
    return Card(
        kind="ticket_list",
        title=title,
        fields=tuple(
            CardField(f"{t.number} (#{t.id})", f"{t.title} — {t.status}, {t.priority}")
            for t in tickets
        ),
        actions=tuple(
            CardAction(actions.REFRESH, f"Show {t.number}", _values(ticket=str(t.id)))
            for t in tickets[:5]
        ),
    )


HELP_TEXT = (
    "I'm the IT help desk assistant. Tell me what's wrong in your own words and I'll open a "
    "ticket, or ask about one you have."
)
HELP_EXAMPLES = (
    "the VPN drops every ten minutes",
    "what's the status of 48213?",
    "add to 48213 that it also happens on my desktop",
    "show my open tickets",
    "when is the help desk open?",
)


TECHNICIAN_EXAMPLES = ("I'll take 48213", "give 48213 to Jordan", "put 48213 on waiting customer")


def help_card(*, technician: bool = False) -> Card:
    """What the bot does; a technician also sees the technicians' commands."""
    body = "Commands:\n" + "\n".join(USAGE.values())
    if technician:
        said = " · ".join(f"“{e}”" for e in TECHNICIAN_EXAMPLES)
        body += f"\n\nFor technicians:\n{TECHNICIAN_USAGE_ALL}\nIn words too: {said}"
    examples = "\n".join(f"“{e}”" for e in HELP_EXAMPLES)
    return Card(
        kind="help",
        title="How I can help",
        subtitle=HELP_TEXT,
        body=f"{body}\n\nOr just write, for example:\n{examples}",
        actions=(
            CardAction(actions.NEW_TICKET, "New ticket"),
            CardAction(actions.LIST_TICKETS, "My tickets"),
        ),
    )
