"""The core as the platform adapters see it: async calls, each run in the server's worker pool
(the core itself is synchronous). Each adapter declares the part it needs as a Protocol in its
own ``gateway`` module; :class:`RunnerGateway` serves them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from core.messages import ConversationRef, Event, Reply, UserRef
from core.ports import ConversationState, PendingAction
from core.tickets import Ticket

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner


class RunnerGateway:
    """The server's runtime behind async calls, every one in the core's worker pool."""

    def __init__(self, runtime: Runtime, runner: CoreRunner) -> None:
        self._runtime = runtime
        self._runner = runner

    async def handle(self, event: Event) -> list[Reply]:
        """The core's answer to one event (``[]`` for a redelivery)."""
        return await self._runner.handle(event)

    @property
    def answers_here(self) -> bool:
        """False when :meth:`answer` leaves events to ``ticketbot worker`` processes (their
        answers come from the outbox)."""
        durable = self._runner.durable
        return durable is None or durable.processes

    async def receive(self, event_id: str, platform: str, intake: str, destination: str) -> bool:
        """Keep a request as the adapter read it before the platform is acknowledged; False
        for a redelivery. Raises when it cannot be kept (answer the platform with a 5xx)."""
        durable = self._runner.durable
        if durable is None:
            return True
        return await durable.receive(event_id, platform, intake, destination)

    async def dismiss(self, event_id: str) -> None:
        """A received request the adapter answered itself: nothing for the core."""
        if self._runner.durable is not None:
            await self._runner.durable.dismiss(event_id)

    async def answer(self, event: Event, platform: str, destination: str) -> list[Reply]:
        """The core's answer to one event, kept in the durable inbox first (with
        ``destination``, the adapter's own description of where the answer goes) and recorded
        for delivery with it; ``[]`` for a redelivery. The caller posts the replies and then
        reports them :meth:`delivered`; if it dies first, any process delivers them."""
        durable = self._runner.durable
        if durable is None:
            return await self._runner.handle(event)
        return await durable.handle(event, platform, destination)

    async def delivered(self, event_id: str, *, posted: bool = True) -> None:
        """The replies :meth:`answer` returned for ``event_id`` were posted (``posted``
        False: not all of them; the outbox tries again)."""
        if self._runner.durable is not None:
            await self._runner.durable.delivered(event_id, posted=posted)

    async def list_open(self, user: UserRef, limit: int) -> list[Ticket]:
        """The person's open tickets (rate-limited, logged and metered by the core). Raises
        ``TicketingError`` when unavailable."""
        assistant = self._runtime.assistant
        return cast(
            list[Ticket], await self._runner.run(lambda: assistant.open_tickets(user, limit))
        )

    async def pending(self, conversation: ConversationRef) -> PendingAction | None:
        """The confirmation the conversation is waiting for, with its full values."""
        assistant = self._runtime.assistant
        pending = await self._runner.run(lambda: assistant.pending_action(conversation))
        return cast(PendingAction | None, pending)

    async def has_conversation(self, conversation: ConversationRef) -> bool:
        """Whether the core has a conversation there (nothing is created)."""
        store = self._runtime.store
        return cast(bool, await self._runner.run(lambda: store.has_conversation(conversation)))

    async def is_triage_thread(self, conversation: ConversationRef) -> bool:
        """Whether ``conversation`` is the thread of a triage card."""
        board = self._runtime.assistant.board
        if board is None:
            return False
        found = await self._runner.run(lambda: board.ticket_of_thread(conversation))
        return found is not None

    async def remember_channel(self, channel: str, delivery_ref: str, team: str) -> None:
        """Keep how to reach a Teams channel the bot was added to (a triage channel's)."""
        from storage.triage import SqlTriageChannels

        channels = SqlTriageChannels(self._runtime.database, self._runtime.clock)
        await self._runner.run(lambda: channels.remember("teams", channel, delivery_ref, team))

    async def remember(self, conversation: ConversationRef) -> None:
        """Store the conversation and its delivery reference (for later proactive messages)."""
        await self._open(conversation)

    async def save_attachment(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        """Keep a downloaded file for the core (``owner`` is ``platform:user_id``); its id."""
        store = self._runtime.attachments
        if store is None:
            raise RuntimeError("no attachment store")
        saved = await self._runner.run(lambda: store.save(owner, name, content_type, data))
        return cast(str, saved)

    async def _open(self, conversation: ConversationRef) -> ConversationState:
        store, clock = self._runtime.store, self._runtime.clock
        state = await self._runner.run(lambda: store.open_conversation(conversation, clock()))
        return cast(ConversationState, state)
