"""Triage cards in a Slack channel: ``chat.postMessage``, then ``chat.update`` of the same
``ts``. Each card carries its key in the message's metadata, so a post whose outcome was lost
(a crash before its ``ts`` was recorded) is found in ``conversations.history`` instead of
being posted twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.blocks import render_reply
from bots.slack.errors import SLACK_CALL_ERRORS, reason
from bots.slack.packing import Stash
from bots.triage.job import Published
from bots.updates.senders import SLACK_GONE
from core.messages import Reply
from core.triage import TriageTarget

log = logging.getLogger("ticketbot.triage")

METADATA_EVENT = "ticketbot_triage_card"
HISTORY_PAGE = 200
# Slack's clock and ours may differ a little: look a minute further back.
CLOCK_SLACK = timedelta(minutes=1)


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
                metadata={"event_type": METADATA_EVENT, "event_payload": {"card": key}},
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
        oldest = (since - CLOCK_SLACK).timestamp()
        try:
            answer = await self._client.conversations_history(
                channel=target.channel,
                oldest=f"{oldest:.6f}",
                limit=HISTORY_PAGE,
                include_all_metadata=True,
            )
        except SLACK_CALL_ERRORS as exc:
            # Unknown either way: post (a duplicate is better than a ticket nobody sees).
            log.warning("triage: conversations.history failed: %s", reason(exc))
            return None
        for message in answer.get("messages") or []:
            if _card_key(message) == key and message.get("ts"):
                return str(message["ts"])
        return None


def _card_key(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT:
        return None
    card = (metadata.get("event_payload") or {}).get("card")
    return str(card) if card is not None else None


def _failure(exc: BaseException) -> Published:
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", ""))
        if error in SLACK_GONE or error in ("message_not_found", "cant_update_message"):
            return Published("gone", why=reason(exc))
    return Published("retry", why=reason(exc))
