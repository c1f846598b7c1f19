"""Updates in the chat, Teams side: posting into a stored conversation through its serialised
conversation reference (``continue_conversation``). Used by :mod:`bots.updates`."""

from __future__ import annotations

import json
import logging

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ConversationReference
from msrest.exceptions import HttpOperationError

from bots.teams.cards import ActionType
from bots.teams.delivery import reply_activity
from bots.teams.errors import CONNECTOR_ERRORS
from bots.teams.errors import reason as teams_reason
from core.messages import Reply
from core.updates.model import DeliveryResult, Tracked

log = logging.getLogger("ticketbot.updates")

# Bot Connector statuses that mean the bot was removed or blocked.
TEAMS_GONE = frozenset({403, 404})


def reference_of(delivery_ref: str | None) -> ConversationReference | None:
    """The stored Teams conversation reference, or None when it is missing or unusable."""
    if not delivery_ref:
        return None
    try:
        data = json.loads(delivery_ref)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    reference = ConversationReference().deserialize(data)
    if not reference.service_url or reference.conversation is None or not reference.conversation.id:
        return None
    reference.activity_id = None  # a new message, not an answer to an old one
    return reference


class TeamsSender:
    """Posts into the Teams conversation through its stored reference."""

    platform = "teams"

    def __init__(self, adapter: BotAdapter, app_id: str, action_type: ActionType) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._action_type = action_type

    async def send(self, tracked: Tracked, reply: Reply) -> tuple[DeliveryResult, str]:
        reference = reference_of(tracked.conversation.delivery_ref)
        if reference is None:
            return "gone", "no usable conversation reference stored"
        failure: BaseException | None = None

        async def post(turn_context: TurnContext) -> None:
            nonlocal failure
            # The SDK gives a continuation turn a made-up activity id that would become the
            # replyToId: an update is a new message in the chat.
            turn_context.activity.id = None
            try:
                await turn_context.send_activity(reply_activity(reply, self._action_type))
            except CONNECTOR_ERRORS as exc:
                failure = exc

        try:
            await self._adapter.continue_conversation(reference, post, self._app_id)
        except CONNECTOR_ERRORS as exc:
            failure = exc
        if failure is None:
            return "sent", ""
        status = None
        if isinstance(failure, HttpOperationError):
            status = getattr(getattr(failure, "response", None), "status_code", None)
        return ("gone" if status in TEAMS_GONE else "retry"), teams_reason(failure)
