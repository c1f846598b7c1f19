"""What the Slack adapter needs from the core, as async calls (served by
:class:`bots.gateway.RunnerGateway`)."""

from __future__ import annotations

from typing import Protocol

from core.messages import ConversationRef, Event, Reply, UserRef
from core.ports import PendingAction
from core.tickets import Ticket


class CoreGateway(Protocol):
    async def handle(self, event: Event) -> list[Reply]:
        """The core's answer to one event (``[]`` for a redelivery)."""
        ...

    async def receive(self, event_id: str, platform: str, intake: str, destination: str) -> bool:
        """Keep a request as the adapter read it (``intake``, its own JSON) before the
        platform is acknowledged; False for a redelivery. Raises when it cannot be kept."""
        ...

    async def dismiss(self, event_id: str) -> None:
        """A received request the adapter answered itself: nothing for the core."""
        ...

    async def answer(self, event: Event, platform: str, destination: str) -> list[Reply]:
        """The core's answer, kept in the durable inbox with where it goes (``[]`` for a
        redelivery); report it :meth:`delivered` once posted."""
        ...

    async def delivered(self, event_id: str, *, posted: bool = True) -> None:
        """The replies of ``event_id`` were posted (``posted`` False: not all of them)."""
        ...

    async def list_open(self, user: UserRef, limit: int) -> list[Ticket]:
        """The person's open tickets (App Home). Raises ``TicketingError`` when unavailable."""
        ...

    async def pending(self, conversation: ConversationRef) -> PendingAction | None:
        """The confirmation the conversation is waiting for, with its full values."""
        ...

    async def has_conversation(self, conversation: ConversationRef) -> bool:
        """Whether the core has a conversation there (a thread the bot takes part in)."""
        ...

    async def is_triage_thread(self, conversation: ConversationRef) -> bool:
        """Whether the thread is a triage card's (a technician's reply there is a note)."""
        ...

    async def save_attachment(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        """Keep a downloaded file for the core; its id."""
        ...
