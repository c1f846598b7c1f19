"""Posting an update into a stored conversation: Slack (channel + thread), Teams (the stored
conversation reference, through ``continue_conversation``) and the terminal."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ConversationReference
from msrest.exceptions import HttpOperationError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.blocks import render_reply
from bots.slack.destination import PRIVATE_PREFIX
from bots.slack.errors import SLACK_CALL_ERRORS
from bots.slack.errors import reason as slack_reason
from bots.slack.packing import Stash
from bots.teams.cards import ActionType
from bots.teams.delivery import reply_activity
from bots.teams.errors import CONNECTOR_ERRORS
from bots.teams.errors import reason as teams_reason
from core.messages import Reply
from core.updates.model import DeliveryResult, Tracked

log = logging.getLogger("ticketbot.updates")

# Slack errors that mean the conversation is no longer reachable for the bot.
SLACK_GONE = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_not_in_channel",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "team_access_not_granted",
    }
)
# Bot Connector statuses that mean the bot was removed or blocked.
TEAMS_GONE = frozenset({403, 404})


class SlackSender:
    """Posts into the Slack thread (or DM) the ticket belongs to."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, stash: Stash) -> None:
        self._client = client
        self._stash = stash

    async def send(self, tracked: Tracked, reply: Reply) -> tuple[DeliveryResult, str]:
        conversation = tracked.conversation
        key = conversation.thread_id
        message = render_reply(reply, self._stash, conversation_key=key)
        try:
            if key and key.startswith(PRIVATE_PREFIX):
                # A private surface (slash command): only the person may see it.
                await self._client.chat_postEphemeral(
                    channel=conversation.channel_id,
                    user=key[len(PRIVATE_PREFIX) :],
                    **message.as_kwargs(),
                )
            else:
                await self._client.chat_postMessage(
                    channel=conversation.channel_id, thread_ts=key, **message.as_kwargs()
                )
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            return ("gone" if error in SLACK_GONE else "retry"), slack_reason(exc)
        except SLACK_CALL_ERRORS as exc:
            return "retry", slack_reason(exc)
        return "sent", ""


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


class ConsoleSender:
    """Hands updates for one terminal conversation to ``show`` (the chat prints them)."""

    platform = "console"

    def __init__(self, channel_id: str, show: Callable[[Reply], None]) -> None:
        self._channel_id = channel_id
        self._show = show

    async def send(self, tracked: Tracked, reply: Reply) -> tuple[DeliveryResult, str]:
        if tracked.conversation.channel_id != self._channel_id:
            return "retry", "another terminal's conversation"
        self._show(reply)
        return "sent", ""
