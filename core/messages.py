"""Boundary types between the platform adapters (``bots/``) and the core.

Everything here is a frozen dataclass made of plain values: no live SDK object ever crosses this
boundary. Adapters build events with :func:`make_event`, which cleans what people send so that
nothing downstream meets text a database or a platform would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from core.text import storable

Platform = Literal["slack", "teams", "console"]
ActionStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True)
class UserRef:
    """Who sent an event. ``email`` is what the ticketing backends use to find the requester."""

    platform: str
    user_id: str
    display_name: str = ""
    email: str | None = None


@dataclass(frozen=True)
class ConversationRef:
    """Where an event happened and where replies go.

    ``delivery_ref`` is opaque to the core: only the adapter that made it reads it (Teams keeps
    its serialised conversation reference there, for proactive messages).
    """

    platform: str
    tenant_id: str
    channel_id: str
    thread_id: str | None = None
    delivery_ref: str | None = None


@dataclass(frozen=True)
class AttachmentRef:
    """A file that came with a message, already downloaded by the adapter into the bot's
    attachment store under ``id`` (read it back through :class:`core.ports.AttachmentStore`).

    ``problem`` is set, and ``id`` empty, for a file the adapter could not take (too big, a
    blocked type, a failed download): it says why, in words fit to show the person.
    """

    id: str
    name: str
    content_type: str = "application/octet-stream"
    size: int = 0
    problem: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """Text a person wrote to the bot, with mentions of the bot already stripped, and the files
    that came with it."""

    event_id: str
    conversation: ConversationRef
    user: UserRef
    text: str
    received_at: datetime
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class ActionInvoked:
    """A button click or a card submit. ``values`` holds the action's values and any inputs."""

    event_id: str
    conversation: ConversationRef
    user: UserRef
    action_id: str
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    received_at: datetime | None = None


Event = InboundMessage | ActionInvoked


def make_event(
    *,
    event_id: str,
    conversation: ConversationRef,
    user: UserRef,
    received_at: datetime,
    text: str | None = None,
    action_id: str | None = None,
    values: Mapping[str, str] | None = None,
    attachments: tuple[AttachmentRef, ...] = (),
) -> Event:
    """An :class:`ActionInvoked` when ``action_id`` is given, else an :class:`InboundMessage`
    (what adapters build once they know who the person is).

    Every string is made :func:`~core.text.storable` here, at the boundary: a lone surrogate or
    a NUL in a message would otherwise pass the ticket write and fail the history write after.
    """
    user = replace(
        user,
        user_id=storable(user.user_id),
        display_name=storable(user.display_name),
        email=storable(user.email) if user.email is not None else None,
    )
    if action_id is not None:
        return ActionInvoked(
            event_id=event_id,
            conversation=conversation,
            user=user,
            action_id=storable(action_id),
            values=MappingProxyType({storable(k): storable(v) for k, v in (values or {}).items()}),
            received_at=received_at,
        )
    return InboundMessage(
        event_id=event_id,
        conversation=conversation,
        user=user,
        text=storable(text or ""),
        received_at=received_at,
        attachments=attachments,
    )


@dataclass(frozen=True)
class CardField:
    """A label/value pair, rendered as a Block Kit field or an Adaptive Card fact."""

    label: str
    value: str


# How a card marks a note only technicians see (every renderer says the same word).
INTERNAL_MARKER = "Internal"


@dataclass(frozen=True)
class CardNote:
    """One entry of a ticket's activity shown on a card (``internal``: technicians only)."""

    author: str
    text: str
    created_at: datetime
    internal: bool = False


@dataclass(frozen=True)
class CardInput:
    """An editable value on a card (a text box or a choice).

    Adapters submit the entered value under ``input_id`` in :attr:`ActionInvoked.values`.
    ``choice_labels``, when set, are what the person reads for each of ``choices`` (same
    order); the value sent is still the choice itself (e.g. "true" shown as "Public").
    """

    input_id: str
    label: str
    value: str = ""
    multiline: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 3000
    required: bool = False
    choice_labels: tuple[str, ...] = ()

    def choice_label(self, choice: str) -> str:
        """What the person reads for ``choice``."""
        if len(self.choice_labels) == len(self.choices) and choice in self.choices:
            return self.choice_labels[self.choices.index(choice)]
        return choice


@dataclass(frozen=True)
class CardAction:
    """A button. Clicking it sends :class:`ActionInvoked` with ``action_id`` and ``values``.

    ``inputs`` are the values the person must type before the action runs (for example the text
    of a note); an adapter shows them inline (Teams) or in a dialog (Slack modal).
    ``confirm`` is a question the adapter may ask before sending the action.
    """

    action_id: str
    label: str
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    style: ActionStyle = "default"
    inputs: tuple[CardInput, ...] = ()


@dataclass(frozen=True)
class CardLink:
    label: str
    url: str


@dataclass(frozen=True)
class Card:
    """A platform-neutral rich message: Slack renders it as Block Kit, Teams as an Adaptive Card,
    the console as plain text.

    ``kind`` tells renderers what the card is about (``ticket``, ``draft``, ``close_confirm``,
    ``ticket_list``, ``help``, ``info``); ``inputs`` are values the person may edit before an
    action (a drafted ticket's title and priority).
    """

    title: str
    kind: str = "info"
    subtitle: str | None = None
    body: str | None = None
    fields: tuple[CardField, ...] = ()
    notes: tuple[CardNote, ...] = ()
    inputs: tuple[CardInput, ...] = ()
    actions: tuple[CardAction, ...] = ()
    link: CardLink | None = None


@dataclass(frozen=True)
class Reply:
    """What the core answers. ``text`` is always set (notifications, screen readers, console).

    ``replaces_source``: when answering an :class:`ActionInvoked`, update the message whose
    button was clicked instead of posting a new one (Refresh, a confirmed draft).
    """

    text: str
    card: Card | None = None
    ephemeral: bool = False
    replaces_source: bool = False
