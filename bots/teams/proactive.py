"""Messages the bot starts: a reply posted to a conversation it stored earlier.

The core keeps each conversation's latest ``delivery_ref`` (the serialised conversation
reference, see :func:`bots.teams.translate.reference_to_json`); :meth:`Proactive.
send_to_conversation` posts a :class:`~core.messages.Reply` there, e.g. a ticket notification.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bots.teams.conversations import Conversations
from bots.teams.delivery import Delivery
from bots.teams.translate import reference_from_json
from core.messages import Reply

log = logging.getLogger(__name__)


class Proactive:
    def __init__(self, conversations: Conversations, delivery: Delivery) -> None:
        self._conversations = conversations
        self._delivery = delivery

    async def send_to_conversation(self, delivery_ref: str, reply: Reply) -> bool:
        """Post ``reply`` to the conversation ``delivery_ref`` names. False (and a log line)
        when the reference is unusable or Teams refused the message."""
        try:
            reference = reference_from_json(delivery_ref)
        except ValueError as exc:
            log.error("proactive message not sent: unusable delivery reference (%s)", exc)
            return False
        reference.activity_id = None  # a new message, not an answer to an old one
        delivered = False

        async def post(turn_context: TurnContext) -> None:
            nonlocal delivered
            # Nothing to replace in a conversation nobody clicked in.
            delivered = await self._delivery.send(turn_context, [reply])

        ran = await self._conversations.continue_with(reference, post)
        return ran and delivered
