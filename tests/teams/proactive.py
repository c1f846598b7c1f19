"""Posting to a stored Teams conversation later (a notification), the way a proactive sender
would: the stored ``delivery_ref`` must be enough to reach the conversation again. No product
code sends proactive messages yet; this is the check that what is stored would allow it."""

from __future__ import annotations

import json

from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from bots.teams.app import TeamsAdapter
from core.messages import Reply


def reference_from_json(raw: str) -> ConversationReference:
    """The reverse of :func:`bots.teams.translate.reference_to_json`. Raises ``ValueError``
    for anything else."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    reference = ConversationReference().deserialize(data)
    if not reference.service_url or reference.conversation is None or not reference.conversation.id:
        raise ValueError("no serviceUrl or conversation id")
    return reference


async def send_to_conversation(teams: TeamsAdapter, delivery_ref: str, reply: Reply) -> bool:
    """Post ``reply`` to the conversation ``delivery_ref`` names, as a new message. False when
    the reference is unusable or Teams refused the message."""
    try:
        reference = reference_from_json(delivery_ref)
    except ValueError:
        return False
    reference.activity_id = None
    delivered = False

    async def post(turn_context: TurnContext) -> None:
        nonlocal delivered
        delivered = await teams.bot.delivery.send(turn_context, [reply])

    ran = await teams.bot.conversations.continue_with(reference, post)
    return ran and delivered
