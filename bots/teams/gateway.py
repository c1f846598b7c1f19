"""What the Teams adapter needs from the core, as async calls (served by
:class:`bots.gateway.RunnerGateway`)."""

from __future__ import annotations

from typing import Protocol

from core.messages import ConversationRef, Event, Reply


class CoreGateway(Protocol):
    async def handle(self, event: Event) -> list[Reply]:
        """The core's answer to one event (``[]`` for a redelivery)."""
        ...

    @property
    def answers_here(self) -> bool:
        """False when :meth:`answer` leaves events to worker processes (``[]`` then means
        the answer comes from the outbox)."""
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

    async def delivered(self, event_id: str) -> None:
        """The replies of ``event_id`` were posted."""
        ...

    async def remember(self, conversation: ConversationRef) -> None:
        """Store the conversation and its delivery reference (a personal chat the bot was just
        added to), so a later notification can reach it."""
        ...

    async def is_triage_thread(self, conversation: ConversationRef) -> bool:
        """Whether the reply chain is a triage card's (a technician's reply there is a note)."""
        ...

    async def remember_channel(self, channel: str, delivery_ref: str, team: str) -> None:
        """Keep how to reach a team's channel the bot was added to (a triage channel)."""
        ...

    async def save_attachment(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        """Keep a downloaded file for the core; its id."""
        ...
