"""Triage cards in a Teams channel: a new message in the channel's conversation (a new post),
then ``updateActivity`` of the same activity id. Replies in the post's reply chain arrive with
the conversation id ``<channel>;messageid=<that id>``.

Also: remembering the channels of a team the bot is added to (their conversation reference
holds the service URL and tenant a post needs), and a reference built from settings for a
configured channel that was never seen."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from msrest.exceptions import HttpOperationError

from bots.teams.cards import ActionType
from bots.teams.conversations import Work
from bots.teams.delivery import replacement_activity, reply_activity
from bots.teams.errors import CONNECTOR_ERRORS
from bots.teams.errors import reason as teams_reason
from bots.teams.translate import reference_to_json
from bots.teams.updates import TEAMS_GONE, reference_of
from bots.triage.job import Published
from core.messages import Reply
from core.triage import TriageTarget

log = logging.getLogger("ticketbot.triage")


def channel_reference(
    channel_id: str, *, service_url: str, tenant_id: str, bot_id: str = ""
) -> str:
    """A serialised conversation reference for the channel ``channel_id`` (what Teams would
    have sent, had the bot seen the channel)."""
    reference = ConversationReference(
        channel_id="msteams",
        service_url=service_url,
        conversation=ConversationAccount(
            id=channel_id, is_group=True, conversation_type="channel", tenant_id=tenant_id
        ),
        bot=ChannelAccount(id=bot_id) if bot_id else None,
    )
    return reference_to_json(reference)


class TeamsCardPublisher:
    """:class:`bots.triage.job.CardPublisher` for Teams."""

    platform = "teams"

    def __init__(
        self,
        adapter: BotAdapter,
        app_id: str,
        action_type: ActionType,
        reference: Callable[[str], Awaitable[str]],
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._action_type = action_type
        self._reference_of_channel = reference  # the channel's stored (or built) reference

    async def post(self, target: TriageTarget, reply: Reply, key: str) -> Published:
        reference = await self._reference(target)
        if reference is None:
            return Published("gone", why="no usable conversation reference for the channel")
        posted: list[str] = []

        async def send(turn_context: TurnContext) -> None:
            # A new post in the channel, not an answer to the continuation's made-up activity.
            turn_context.activity.id = None
            answer = await turn_context.send_activity(reply_activity(reply, self._action_type))
            if answer is not None and answer.id:
                posted.append(str(answer.id))

        failure = await self._run(reference, send)
        if failure is not None:
            return failure
        if not posted:
            return Published("retry", why="Teams answered without an activity id")
        return Published("ok", posted[0])

    async def edit(self, target: TriageTarget, message_ref: str, reply: Reply) -> Published:
        reference = await self._reference(target)
        if reference is None:
            return Published("gone", why="no usable conversation reference for the channel")

        async def update(turn_context: TurnContext) -> None:
            await turn_context.update_activity(
                replacement_activity(reply, self._action_type, message_ref)
            )

        failure = await self._run(reference, update)
        return failure if failure is not None else Published("ok", message_ref)

    async def find(self, target: TriageTarget, key: str, since: datetime) -> str | None:
        return None  # a bot cannot list a channel's messages without Graph permissions

    async def _reference(self, target: TriageTarget) -> ConversationReference | None:
        stored = target.delivery_ref or await self._reference_of_channel(target.channel)
        reference = reference_of(stored)
        if reference is None or reference.conversation is None:
            return None
        # The channel itself (a new post), whatever reply chain the reference was taken in.
        reference.conversation.id = target.channel
        return reference

    async def _run(self, reference: ConversationReference, work: Work) -> Published | None:
        failure: BaseException | None = None

        async def turn(turn_context: TurnContext) -> None:
            nonlocal failure
            try:
                await work(turn_context)
            except CONNECTOR_ERRORS as exc:
                failure = exc

        try:
            await self._adapter.continue_conversation(reference, turn, self._app_id)
        except CONNECTOR_ERRORS as exc:
            failure = exc
        if failure is None:
            return None
        status = None
        if isinstance(failure, HttpOperationError):
            status = getattr(getattr(failure, "response", None), "status_code", None)
        return Published("gone" if status in TEAMS_GONE else "retry", why=teams_reason(failure))
