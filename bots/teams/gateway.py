"""What the Teams adapter needs from the core, as async calls (the server runs the
synchronous core in its worker pool)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from core.messages import ConversationRef, Event, Reply

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner


class CoreGateway(Protocol):
    async def handle(self, event: Event) -> list[Reply]:
        """The core's answer to one event (``[]`` for a redelivery)."""
        ...

    async def remember(self, conversation: ConversationRef) -> None:
        """Store the conversation and its delivery reference (a personal chat the bot was just
        added to), so a later notification can reach it."""
        ...


class RunnerGateway:
    """:class:`CoreGateway` over the server's runtime, every call in the core's worker pool."""

    def __init__(self, runtime: Runtime, runner: CoreRunner) -> None:
        self._runtime = runtime
        self._runner = runner

    async def handle(self, event: Event) -> list[Reply]:
        return await self._runner.handle(event)

    async def remember(self, conversation: ConversationRef) -> None:
        store, clock = self._runtime.store, self._runtime.clock
        await self._runner.run(lambda: store.open_conversation(conversation, clock()))
