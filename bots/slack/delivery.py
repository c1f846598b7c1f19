"""Posting the core's replies to Slack: into the thread, privately, or over the message whose
button was clicked."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.slack import mrkdwn
from bots.slack.answered import reply_metadata
from bots.slack.blocks import SlackMessage, render_reply
from bots.slack.destination import Destination
from bots.slack.errors import SLACK_CALL_ERRORS, reason
from bots.slack.packing import Stash
from core.messages import Reply

log = logging.getLogger(__name__)


class Delivery:
    """Sends replies where a :class:`Destination` says.

    - a reply that ``replaces_source`` updates the clicked message (``chat.update``, or the
      ``response_url`` for an ephemeral one);
    - private surfaces (``response_url`` set) get ephemeral answers there;
    - otherwise ``chat.postEphemeral`` for ephemeral replies, ``chat.postMessage`` for the rest,
      in the destination's thread.

    Slack failures are logged, never raised: one failed post must not lose the others.
    """

    def __init__(self, client: AsyncWebClient, stash: Stash) -> None:
        self._client = client
        self._stash = stash

    async def send(
        self,
        replies: Sequence[Reply],
        where: Destination,
        *,
        event_id: str | None = None,
        posted: Collection[int] = (),
    ) -> bool:
        """Post ``replies`` in order; True when every one got through. The answer to
        ``event_id`` carries it in each message's metadata (see ``answered``); ``posted``:
        the indexes of replies already in Slack, left out."""
        delivered = True
        for part, reply in enumerate(replies):
            if part in posted:
                continue
            message = render_reply(reply, self._stash, conversation_key=where.conversation_key)
            tag = reply_metadata(event_id, part) if event_id is not None else None
            delivered = await self._send_one(reply, message, where, tag) and delivered
        return delivered

    async def notice(self, text: str, where: Destination) -> None:
        """A short private note ("working on it") that needs no cleaning up."""
        await self._send_one(Reply(text, ephemeral=True), SlackMessage(mrkdwn.escape(text)), where)

    async def _send_one(
        self,
        reply: Reply,
        message: SlackMessage,
        where: Destination,
        tag: dict[str, Any] | None = None,
    ) -> bool:
        try:
            await self._route(reply, message, where, tag)
            return True
        except SlackApiError as exc:
            if exc.response.get("error") == "invalid_blocks" and message.blocks:
                # Should not happen (blocks are validated); the text still reaches the person.
                log.error("Slack rejected blocks, sending text only: %s", exc.response.data)
                return await self._fallback(reply, SlackMessage(message.text), where, tag)
            else:
                log.error(
                    "Slack post failed channel=%s user=%s: %s",
                    where.channel_id,
                    where.user_id,
                    reason(exc),
                )
        except SLACK_CALL_ERRORS as exc:
            log.error(
                "Slack post failed channel=%s user=%s: %s",
                where.channel_id,
                where.user_id,
                reason(exc),
            )
        return False

    async def _fallback(
        self,
        reply: Reply,
        message: SlackMessage,
        where: Destination,
        tag: dict[str, Any] | None = None,
    ) -> bool:
        try:
            await self._route(reply, message, where, tag)
        except SLACK_CALL_ERRORS as exc:
            log.error("Slack post failed again (text only): %s", reason(exc))
            return False
        return True

    async def _route(
        self,
        reply: Reply,
        message: SlackMessage,
        where: Destination,
        tag: dict[str, Any] | None = None,
    ) -> None:
        """``tag``: the message metadata of a new message (``chat.postMessage`` only; the
        others can't be read back)."""
        if reply.replaces_source and where.source_ts:
            if where.source_ephemeral and where.response_url:
                await self._respond(where.response_url, message, replace_original=True)
                return
            if not where.source_ephemeral and where.channel_id:
                await self._client.chat_update(
                    channel=where.channel_id, ts=where.source_ts, **message.as_kwargs()
                )
                return
        if where.response_url:
            await self._respond(where.response_url, message)
        elif where.channel_id is None:
            log.error("no channel to answer user=%s; reply dropped", where.user_id)
        elif reply.ephemeral:
            await self._client.chat_postEphemeral(
                channel=where.channel_id,
                user=where.user_id,
                thread_ts=where.thread_ts,
                **message.as_kwargs(),
            )
        else:
            await self._client.chat_postMessage(
                channel=where.channel_id,
                thread_ts=where.thread_ts,
                metadata=tag,
                **message.as_kwargs(),
            )

    async def _respond(
        self, url: str, message: SlackMessage, *, replace_original: bool = False
    ) -> None:
        body: dict[str, Any] = {**message.as_kwargs(), "response_type": "ephemeral"}
        if replace_original:
            body["replace_original"] = True
        # The Web API client's pooled session (``SlackAdapter.open_connections``), if open.
        response = await AsyncWebhookClient(url, session=self._client.session).send_dict(body)
        if response.status_code != 200:
            log.error(
                "response_url post failed status=%s body=%s",
                response.status_code,
                mrkdwn.trim(response.body or "", 200),
            )
