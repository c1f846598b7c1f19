"""Triage cards in a Slack channel: ``chat.postMessage``, then ``chat.update`` of the same
``ts``. Each card carries its key in the message's metadata, so a post whose outcome was lost
(a crash before its ``ts`` was recorded) is found in ``conversations.history`` instead of
being posted twice."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.blocks import render_reply
from bots.slack.errors import SLACK_CALL_ERRORS, reason
from bots.slack.metadata import find_tagged, metadata
from bots.slack.packing import Stash
from bots.triage.job import Published
from bots.updates.senders import SLACK_GONE
from core.messages import Reply
from core.triage import TriageTarget

log = logging.getLogger("ticketbot.triage")

METADATA_EVENT = "ticketbot_triage_card"


class SlackCardPublisher:
    """:class:`bots.triage.job.CardPublisher` for Slack."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, stash: Stash) -> None:
        self._client = client
        self._stash = stash

    async def post(self, target: TriageTarget, reply: Reply, key: str) -> Published:
        message = render_reply(reply, self._stash)
        try:
            answer = await self._client.chat_postMessage(
                channel=target.channel,
                metadata=metadata(METADATA_EVENT, {"card": key}),
                unfurl_links=False,
                **message.as_kwargs(),
            )
        except SLACK_CALL_ERRORS as exc:
            return _failure(exc)
        ts = answer.get("ts")
        return Published("ok", str(ts)) if ts else Published("retry", why="no ts in the answer")

    async def edit(self, target: TriageTarget, message_ref: str, reply: Reply) -> Published:
        message = render_reply(reply, self._stash)
        try:
            await self._client.chat_update(
                channel=target.channel, ts=message_ref, **message.as_kwargs()
            )
        except SLACK_CALL_ERRORS as exc:
            return _failure(exc)
        return Published("ok", message_ref)

    async def find(self, target: TriageTarget, key: str, since: datetime) -> str | None:
        # Unknown (None) either way: post (a duplicate is better than a ticket nobody sees).
        found = await find_tagged(self._client, target.channel, METADATA_EVENT, since)
        for message in found or []:
            if str(message.payload.get("card")) == key:
                return message.ts
        return None


def _failure(exc: BaseException) -> Published:
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", ""))
        if error in SLACK_GONE or error in ("message_not_found", "cant_update_message"):
            return Published("gone", why=reason(exc))
    return Published("retry", why=reason(exc))
