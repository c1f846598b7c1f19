"""Which parts of an event's answer are already in Slack.

Every message posted in answer to an event carries ``{"event": <event id>, "part": <index of
the reply>}`` in its metadata (:func:`reply_metadata`). When the answer is delivered again —
its deliverer died between Slack's answer and marking it sent, or only some parts got through —
:func:`parts_posted` reads the conversation since the event was received and the deliverer
posts only the rest. Ephemeral messages, ``response_url`` answers and edits of a clicked
message can't be read back; edits are harmless to repeat, the other two are sent again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.destination import Destination
from bots.slack.metadata import find_tagged, metadata

REPLY_EVENT = "ticketbot_reply"


def reply_metadata(event_id: str, part: int) -> dict[str, Any]:
    """The metadata of the ``part``-th reply to ``event_id``."""
    return metadata(REPLY_EVENT, {"event": event_id, "part": part})


async def parts_posted(
    client: AsyncWebClient, event_id: str, where: Destination, since: datetime
) -> set[int] | None:
    """The indexes of the replies to ``event_id`` already posted where ``where`` says; ``None``
    when Slack could not be asked (a reply posted twice beats one never posted)."""
    if where.channel_id is None or where.response_url:
        return set()  # nothing of it was posted with chat.postMessage: nothing to read back
    found = await find_tagged(
        client, where.channel_id, REPLY_EVENT, since, thread_ts=where.thread_ts
    )
    if found is None:
        return None
    parts: set[int] = set()
    for message in found:
        part = message.payload.get("part")
        if message.payload.get("event") == event_id and isinstance(part, int):
            parts.add(part)
    return parts
