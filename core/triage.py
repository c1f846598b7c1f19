"""The technicians' triage channel, neutral part: what a ticket's triage card looks like, and
what the triage job needs to read from a help desk to draw it (:class:`TriageSource`).

A card is drawn from the ticket as the help desk holds it *now* (the job re-reads it for every
post or edit), so the channel shows the current state whoever changed the ticket. A closed
ticket's card collapses to one line. The card's fingerprint tells the job whether an edit would
change anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

from core import actions
from core.cards import PRIORITY_CHOICES, format_time, note_input
from core.messages import Card, CardAction, CardField, CardInput, CardLink, Reply
from core.tickets import Ticket
from core.updates.model import TicketFeed
from core.wire import reply_to_json

TRIAGE_KIND = "triage"
TRIAGE_CLOSED_KIND = "triage_closed"
LINK_LABEL = "Open in Autotask"
# What the note's visibility picker sends, and what the technician reads for it.
INTERNAL, PUBLIC_NOTE = "false", "true"
VISIBILITY_LABELS = ("Internal: technicians only", "Public: the requester sees it")
# A picker shows at most this many names (Slack's select holds 100 options).
CHOICES_MAX = 100


@dataclass(frozen=True)
class TriageView:
    """A ticket as the triage channel shows it: the ticket as the help desk holds it, who asked
    for it and for which company (both as the help desk or the filing knew them)."""

    ticket: Ticket
    requester: str = ""
    company: str = ""


@dataclass(frozen=True)
class TriageChoices:
    """What the card's pickers offer: active technicians (names the desk's assign accepts) and
    active status labels."""

    technicians: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


class TriageSource(Protocol):
    """How the triage job reads a help desk, as the bot (no requester's view)."""

    backend: str

    def view(self, ticket_id: int) -> TriageView | None:
        """The ticket now, or None when it is gone."""
        ...

    def choices(self) -> TriageChoices:
        """The pickers' choices (the job caches them)."""
        ...


class FeedTriageSource:
    """A :class:`TriageSource` over an update feed (``state``: the ticket as the bot reads it)
    and two callables for the pickers' choices."""

    def __init__(
        self,
        feed: TicketFeed,
        *,
        technicians: Callable[[], Sequence[str]],
        statuses: Callable[[], Sequence[str]],
    ) -> None:
        self.backend = feed.backend
        self._feed = feed
        self._technicians = technicians
        self._statuses = statuses

    def view(self, ticket_id: int) -> TriageView | None:
        state = self._feed.state(ticket_id)
        if state is None:
            return None
        ticket = state.ticket
        requester = ticket.requester or state.requester_email or ""
        return TriageView(ticket, requester=requester, company=state.company)

    def choices(self) -> TriageChoices:
        return TriageChoices(tuple(self._technicians()), tuple(self._statuses()))


def _values(ticket: Ticket, **more: str) -> MappingProxyType[str, str]:
    return MappingProxyType({actions.TICKET: str(ticket.id), **more})


def _picker(input_id: str, label: str, value: str, choices: Sequence[str]) -> CardInput:
    offered = tuple(dict.fromkeys(c for c in choices if c.strip()))[:CHOICES_MAX]
    return CardInput(
        input_id,
        label,
        value=value if value in offered else "",
        choices=offered,
        required=True,
    )


def triage_card(view: TriageView, choices: TriageChoices) -> Card:
    """The card of ``view``'s ticket in the triage channel (one line once it is closed)."""
    ticket = view.ticket
    heading = f"{ticket.number} · {ticket.title}"
    if ticket.is_closed:
        who = f", {ticket.assignee}" if ticket.assignee else ""
        return Card(kind=TRIAGE_CLOSED_KIND, title=f"✓ {heading} ({ticket.status}{who})")
    who = view.requester or ticket.requester or "Unknown requester"
    fields = (
        CardField("Requester", who),
        CardField("Company", view.company or "—"),
        CardField("Priority", ticket.priority),
        CardField("Filed", format_time(ticket.created_at)),
        CardField("Status", ticket.status),
        CardField("Assigned to", ticket.assignee or "Nobody yet"),
    )
    # Take and Assign carry the assignee shown: one taken since is not taken over unasked.
    shown = ticket.assignee or ""
    card_actions = (
        CardAction(
            actions.TRIAGE_TAKE,
            "Take it",
            _values(ticket, **{actions.SHOWN_ASSIGNEE: shown}),
            style="primary",
        ),
        CardAction(
            actions.TRIAGE_ASSIGN,
            "Assign…",
            _values(ticket, **{actions.SHOWN_ASSIGNEE: shown}),
            inputs=(
                _picker(
                    actions.INPUT_ASSIGNEE, "Assign to", ticket.assignee or "", choices.technicians
                ),
            ),
        ),
        CardAction(
            actions.TRIAGE_PRIORITY,
            "Priority…",
            _values(ticket),
            inputs=(_picker(actions.INPUT_PRIORITY, "Priority", "", PRIORITY_CHOICES),),
        ),
        CardAction(
            actions.TRIAGE_STATUS,
            "Status…",
            _values(ticket),
            inputs=(_picker(actions.INPUT_STATUS, "Status", ticket.status, choices.statuses),),
        ),
        CardAction(
            actions.TRIAGE_NOTE,
            "Note…",
            _values(ticket),
            inputs=(
                note_input(),
                CardInput(
                    actions.PUBLIC,
                    "Who sees it",
                    value=INTERNAL,
                    choices=(INTERNAL, PUBLIC_NOTE),
                    choice_labels=VISIBILITY_LABELS,
                    required=True,
                ),
            ),
        ),
    )
    return Card(
        kind=TRIAGE_KIND,
        title=heading,
        subtitle=f"Ticket #{ticket.id}" + (f" · {ticket.queue}" if ticket.queue else ""),
        fields=fields,
        actions=card_actions,
        link=CardLink(LINK_LABEL, ticket.web_url) if ticket.web_url else None,
    )


def triage_reply(view: TriageView, choices: TriageChoices) -> Reply:
    """The card as a message: its text is what notifications and screen readers get."""
    ticket = view.ticket
    if ticket.is_closed:
        text = f"{ticket.number} “{ticket.title}” is {ticket.status}."
    else:
        who = view.requester or ticket.requester or "someone"
        owner = f"assigned to {ticket.assignee}" if ticket.assignee else "not assigned"
        text = (
            f"{ticket.number} “{ticket.title}” from {who}: {ticket.status}, "
            f"priority {ticket.priority}, {owner}."
        )
    return Reply(text, card=triage_card(view, choices))


def fingerprint(reply: Reply) -> str:
    """Equal for two renderings that would show the same message."""
    return hashlib.sha256(reply_to_json(reply).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class TriageTarget:
    """A triage channel: ``channel`` is Slack's channel id or Teams' channel conversation id;
    ``delivery_ref`` (Teams) the serialised conversation reference that reaches it."""

    platform: str
    channel: str
    delivery_ref: str | None = None


@dataclass(frozen=True)
class DueCard:
    """A card the triage job must post (``message_ref`` None) or bring up to date, claimed by
    one job runner until it reports back. ``posting_since`` set: an earlier post of this card
    was under way when its runner stopped, so the card may be in the channel already."""

    card_id: int
    backend: str
    ticket_id: int
    target: TriageTarget
    message_ref: str | None
    fingerprint: str | None
    version: int
    attempts: int
    requester: str = ""
    company: str = ""
    posting_since: datetime | None = None
    owner: str = ""

    @property
    def key(self) -> str:
        """The card's identity, also what a Slack post carries in its metadata."""
        return f"{self.backend}:{self.ticket_id}"
