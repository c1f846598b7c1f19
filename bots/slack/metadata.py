"""The bot's own messages found again by their message metadata.

``chat.postMessage`` has no idempotency key: when a process dies between Slack's answer and
recording it, the next one cannot tell from its own records whether the message went out.
So every message that must go out once carries what it stands for in its metadata
(``{"event_type": ..., "event_payload": {...}}``), and before posting it again the bot reads
the conversation since then — ``conversations.history`` for a channel's top level,
``conversations.replies`` for a thread (history lists no thread replies) — with
``include_all_metadata``. Reading needs the ``*:history`` scope of the conversation's kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.errors import SLACK_CALL_ERRORS, reason

log = logging.getLogger(__name__)

PAGE = 200
# A burst in a busy channel since the post is rare; past this, what is left unread is posted.
MAX_PAGES = 5
# Slack's clock and ours may differ a little: look a minute further back.
CLOCK_SLACK = timedelta(minutes=1)


def metadata(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The ``metadata`` argument of ``chat.postMessage``."""
    return {"event_type": event_type, "event_payload": payload}


@dataclass(frozen=True)
class Tagged:
    """A message of the bot's found with the metadata it was posted with."""

    ts: str
    payload: dict[str, Any]


async def find_tagged(
    client: AsyncWebClient,
    channel: str,
    event_type: str,
    since: datetime,
    *,
    thread_ts: str | None = None,
) -> list[Tagged] | None:
    """The messages tagged ``event_type`` in ``channel`` (in the thread ``thread_ts``, when
    given) posted since ``since``; ``None`` when Slack could not be asked (the caller decides
    whether posting again beats posting nothing)."""
    oldest = f"{(since - CLOCK_SLACK).timestamp():.6f}"
    found: list[Tagged] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        try:
            if thread_ts:
                answer = await client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    oldest=oldest,
                    limit=PAGE,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            else:
                answer = await client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    limit=PAGE,
                    include_all_metadata=True,
                    cursor=cursor,
                )
        except SLACK_CALL_ERRORS as exc:
            method = "conversations.replies" if thread_ts else "conversations.history"
            log.warning("%s failed channel=%s: %s", method, channel, reason(exc))
            return None
        for message in answer.get("messages") or []:
            tagged = _tagged(message, event_type)
            if tagged is not None:
                found.append(tagged)
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return found


def _tagged(message: dict[str, Any], event_type: str) -> Tagged | None:
    meta = message.get("metadata") or {}
    ts = message.get("ts")
    if meta.get("event_type") != event_type or not ts:
        return None
    payload = meta.get("event_payload")
    return Tagged(str(ts), payload if isinstance(payload, dict) else {})
