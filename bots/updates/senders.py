"""Posting an update into a stored conversation: Slack (channel + thread) and the terminal.
Teams' sender lives in :mod:`bots.teams.updates` (only ``bots/teams`` imports the Bot
Framework SDK)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.messages import Reply
from core.updates.model import DeliveryResult, Tracked

if TYPE_CHECKING:  # the terminal's ConsoleSender is imported without the Slack SDK
    from slack_sdk.web.async_client import AsyncWebClient

    from bots.slack.packing import Stash

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


class SlackSender:
    """Posts into the Slack thread (or DM) the ticket belongs to."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, stash: Stash) -> None:
        self._client = client
        self._stash = stash

    async def send(self, tracked: Tracked, reply: Reply) -> tuple[DeliveryResult, str]:
        from slack_sdk.errors import SlackApiError

        from bots.slack.blocks import render_reply
        from bots.slack.destination import PRIVATE_PREFIX
        from bots.slack.errors import SLACK_CALL_ERRORS
        from bots.slack.errors import reason as slack_reason

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
