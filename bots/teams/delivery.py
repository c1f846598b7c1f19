"""Posting the core's replies to a Teams conversation: new messages, typing indicators, and
updates of the message whose card was clicked."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bots.teams.cards import CARD_CONTENT_TYPE, ActionType, render_card, text_card
from bots.teams.errors import CONNECTOR_ERRORS, reason
from core.messages import Reply

log = logging.getLogger(__name__)

SUMMARY_MAX = 300


def reply_activity(reply: Reply, action_type: ActionType) -> Activity:
    """A reply as a message: its card alone (the text becomes the notification ``summary`` and
    the card's ``fallbackText``), or its text."""
    if reply.card is None:
        return Activity(type=ActivityTypes.message, text=reply.text, text_format="plain")
    card = render_card(reply.card, action_type=action_type, fallback_text=reply.text)
    return _card_activity(card, reply.text)


def replacement_activity(reply: Reply, action_type: ActionType, activity_id: str) -> Activity:
    """A reply that takes the place of the message ``activity_id`` (always a card, so a card
    message stays a card message)."""
    card = (
        render_card(reply.card, action_type=action_type, fallback_text=reply.text)
        if reply.card is not None
        else text_card(reply.text)
    )
    activity = _card_activity(card, reply.text)
    activity.id = activity_id
    return activity


def _card_activity(card: dict[str, object], text: str) -> Activity:
    summary = text.strip()
    if len(summary) > SUMMARY_MAX:
        summary = summary[: SUMMARY_MAX - 1] + "…"
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


class Delivery:
    """Sends replies through a turn context. Bot Connector failures are logged, never raised:
    one failed post must not lose the others. (Teams has no ephemeral messages in chats: an
    ephemeral reply is simply sent.)"""

    def __init__(self, action_type: ActionType) -> None:
        self.action_type = action_type

    async def typing(self, turn_context: TurnContext) -> None:
        try:
            await turn_context.send_activity(Activity(type=ActivityTypes.typing))
        except CONNECTOR_ERRORS as exc:
            log.warning("typing indicator not sent: %s", reason(exc))

    async def send(
        self,
        turn_context: TurnContext,
        replies: Sequence[Reply],
        *,
        source_activity_id: str | None = None,
    ) -> bool:
        """Post ``replies`` in order; a reply that ``replaces_source`` updates the message
        ``source_activity_id`` instead. True when every reply got through."""
        delivered = True
        for reply in replies:
            if (
                reply.replaces_source
                and source_activity_id
                and await self._update(turn_context, reply, source_activity_id)
            ):
                continue
            delivered = await self._post(turn_context, reply) and delivered
        return delivered

    async def _post(self, turn_context: TurnContext, reply: Reply) -> bool:
        conversation = turn_context.activity.conversation
        try:
            await turn_context.send_activity(reply_activity(reply, self.action_type))
        except CONNECTOR_ERRORS as exc:
            log.error(
                "Teams post failed conversation=%s: %s",
                conversation.id if conversation else None,
                reason(exc),
            )
            return False
        return True

    async def replace(self, turn_context: TurnContext, reply: Reply, activity_id: str) -> bool:
        """Put ``reply`` in place of the message ``activity_id`` for everyone in the
        conversation. False (and a log line) when Teams refused."""
        return await self._update(turn_context, reply, activity_id)

    async def _update(self, turn_context: TurnContext, reply: Reply, activity_id: str) -> bool:
        try:
            await turn_context.update_activity(
                replacement_activity(reply, self.action_type, activity_id)
            )
        except CONNECTOR_ERRORS as exc:
            # The message may be gone or too old to edit (send() then posts the answer).
            log.warning("Teams update failed activity=%s: %s", activity_id, reason(exc))
            return False
        return True
