"""What the Slack adapter needs from the core, as async calls (the server runs the
synchronous core in its worker pool)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from core.messages import ConversationRef, Event, Reply, UserRef
from core.ports import ConversationState, PendingAction
from core.tickets import Ticket

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner


class CoreGateway(Protocol):
    async def handle(self, event: Event) -> list[Reply]:
        """The core's answer to one event (``[]`` for a redelivery)."""
        ...

    async def list_open(self, user: UserRef, limit: int) -> list[Ticket]:
        """The person's open tickets (App Home). Raises ``TicketingError`` when unavailable."""
        ...

    async def pending(self, conversation: ConversationRef) -> PendingAction | None:
        """The confirmation the conversation is waiting for, with its full values."""
        ...


class RunnerGateway:
    """:class:`CoreGateway` over the server's runtime, every call in the core's worker pool."""

    def __init__(self, runtime: Runtime, runner: CoreRunner) -> None:
        self._runtime = runtime
        self._runner = runner

    async def handle(self, event: Event) -> list[Reply]:
        return await self._runner.handle(event)

    async def list_open(self, user: UserRef, limit: int) -> list[Ticket]:
        ticketing = self._runtime.ticketing
        return cast(list[Ticket], await self._runner.run(lambda: ticketing.list_open(user, limit)))

    async def pending(self, conversation: ConversationRef) -> PendingAction | None:
        store, clock = self._runtime.store, self._runtime.clock
        state = await self._runner.run(lambda: store.open_conversation(conversation, clock()))
        return cast(ConversationState, state).pending
