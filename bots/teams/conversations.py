"""Turns of our own in a conversation (``continue_conversation``): how replies go out after the
request that caused them has been answered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ConversationReference

log = logging.getLogger(__name__)

Work = Callable[[TurnContext], Awaitable[None]]


class Conversations:
    """Runs ``work`` in a fresh turn of the conversation a reference points to."""

    def __init__(self, adapter: BotAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    async def continue_with(
        self,
        reference: ConversationReference,
        work: Work,
        *,
        channel_data: Mapping[str, Any] | None = None,
    ) -> bool:
        """True when ``work`` ran to the end; failures are logged. ``channel_data`` is the
        Teams channel data of the activity being answered (the roster lookup reads it)."""
        finished = False

        async def turn(turn_context: TurnContext) -> None:
            nonlocal finished
            # The SDK gives a continuation turn a made-up activity id, which would become the
            # replyToId of everything sent: answer the reference's activity, or none.
            turn_context.activity.id = reference.activity_id
            turn_context.activity.channel_data = dict(channel_data or {})
            await work(turn_context)
            finished = True

        try:
            await self._adapter.continue_conversation(reference, turn, self._app_id)
        except Exception:
            conversation = reference.conversation.id if reference.conversation else None
            log.exception("Teams turn failed conversation=%s", conversation)
            return False
        return finished
