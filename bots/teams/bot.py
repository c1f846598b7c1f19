"""The Teams activity handler: what happens when Teams sends the bot something.

- A message (typed, or an ``Action.Submit`` from a card) is answered in a turn of our own: the
  request is acknowledged at once, a typing indicator goes out, the core works in the worker
  pool (typing again every few seconds while it is slow), and its replies are posted as soon as
  they are ready, to the same chat or reply chain.
- An ``Action.Execute`` invoke is kept in the durable inbox and answered within Teams' time
  limit: with the card that replaces the clicked one (and the message is updated for everyone
  else in the conversation), or a short message; replies that take longer are posted when
  ready (from the outbox, by any process, if this one dies first).
- A person joining a personal chat with the bot gets a welcome and the help card.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount, ConversationReference
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount

from bots.attachments import NOT_FETCHED
from bots.background import BackgroundWork
from bots.teams import invoke, translate
from bots.teams.cards import render_card, text_card
from bots.teams.conversations import Conversations
from bots.teams.delivery import Delivery
from bots.teams.errors import NotKept
from bots.teams.files import TeamsFiles
from bots.teams.gateway import CoreGateway
from bots.teams.intake import intake_from_json, intake_to_json
from bots.teams.roster import Roster
from bots.teams.translate import Ignored, Inbound
from core.attachments import owner_of, refused
from core.cards import HELP_TEXT, help_card
from core.messages import AttachmentRef, ConversationRef, Event, Reply, UserRef
from storage.inbox import Outgoing

log = logging.getLogger(__name__)

PLATFORM = "teams"

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
STILL_WORKING = "Working on it… I'll post the answer here in a moment."
ALREADY_DONE = "That was already taken care of."
WELCOME = f"Hi! {HELP_TEXT}"


class TeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    """The adapter's behaviour, independent of how activities arrive (HTTP or a test adapter)."""

    def __init__(
        self,
        *,
        core: CoreGateway,
        conversations: Conversations,
        roster: Roster,
        delivery: Delivery,
        clock: Callable[[], datetime],
        invoke_budget_seconds: float = 10.0,
        typing_every_seconds: float = 3.0,
        files: TeamsFiles | None = None,
    ) -> None:
        super().__init__()
        self.core = core
        self.conversations = conversations
        self.roster = roster
        self.delivery = delivery
        self.clock = clock
        # Teams waits about 15 s for an invoke's answer: what takes longer is posted later.
        self.invoke_budget_seconds = invoke_budget_seconds
        self.typing_every_seconds = typing_every_seconds
        self.background = BackgroundWork("teams")
        self.files = files  # attachments:

    # -- background work ----------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` after the acknowledgement; failures are logged, never lost silently."""
        self.background.spawn(work, name)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait for work in flight (tests, shutdown). True when everything finished."""
        return await self.background.drain(timeout)

    # -- messages -----------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        found = translate.from_message(activity, self.clock())
        reference = TurnContext.get_conversation_reference(activity)
        if isinstance(found, Ignored):
            reply = translate.from_thread_reply(activity, self.clock())
            # triage: a reply in a channel's reply chain without a mention is answered only
            # under a triage card, never for other channel chatter.
            if reply is None or not await self.core.is_triage_thread(reply.conversation):
                log.info("Teams message ignored: %s", found.reason)
                if found.answer:
                    self.spawn(self._say(reference, found.answer), "answer")
                return
            found = reply
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else None
        # Where the answer goes, for whichever process posts it if this one dies first.
        destination = json.dumps(
            {
                "reference": reference.serialize(),
                "source_activity_id": found.source_activity_id,
                "channel_data": channel_data,
            }
        )
        # Kept in the durable inbox before the Bot Framework gets its answer.
        try:
            kept = await self.core.receive(
                found.event_id, PLATFORM, intake_to_json(found), destination
            )
        except Exception as exc:
            raise NotKept(f"event_id={found.event_id}: {type(exc).__name__}") from exc
        if not kept:
            return  # a redelivery
        self.spawn(
            self._converse(reference, found, channel_data, destination),
            f"message {found.event_id}",
        )

    async def _converse(
        self,
        reference: ConversationReference,
        inbound: Inbound,
        channel_data: dict[str, Any] | None,
        destination: str,
    ) -> None:
        asked = False

        async def work(turn_context: TurnContext) -> None:
            nonlocal asked
            await self.delivery.typing(turn_context)
            user = await self.roster.lookup(
                turn_context,
                inbound.account_id,
                inbound.account_name,
                inbound.conversation.tenant_id,
            )
            asked = True
            attachments = await self._take_files(turn_context, inbound, user)  # attachments:
            event = inbound.to_event(user, attachments)
            replies = await self._ask_core(event, turn_context, destination)
            await self.delivery.send(
                turn_context, replies, source_activity_id=inbound.source_activity_id
            )
            if replies:
                await self.core.delivered(event.event_id)

        await self.conversations.continue_with(reference, work, channel_data=channel_data)
        if not asked:
            await self._without_a_turn(inbound)

    async def prepare_stored(self, intake: str, destination: str) -> tuple[Event, str] | None:
        """A message another process kept (it died before it looked the person up): the
        core's event, with the person looked up and the files downloaded in a turn of the
        conversation (as far as the Bot Connector allows), and where its answer goes."""
        try:
            inbound = intake_from_json(intake)
            where = json.loads(destination)
            reference = ConversationReference().deserialize(where["reference"])
        except (ValueError, KeyError, TypeError) as exc:
            log.error("kept Teams message unreadable, set aside: %s", exc)
            return None
        prepared: list[Event] = []

        async def work(turn_context: TurnContext) -> None:
            user = await self.roster.lookup(
                turn_context,
                inbound.account_id,
                inbound.account_name,
                inbound.conversation.tenant_id,
            )
            attachments = await self._take_files(turn_context, inbound, user)  # attachments:
            prepared.append(inbound.to_event(user, attachments))

        await self.conversations.continue_with(
            reference, work, channel_data=where.get("channel_data")
        )
        if not prepared:  # no turn (the Bot Connector is down): the person as far as known
            user = self.roster.known(
                inbound.account_id, inbound.account_name, inbound.conversation.tenant_id
            )
            prepared.append(inbound.to_event(user))
        return prepared[0], destination

    async def _without_a_turn(self, inbound: Inbound) -> None:
        """The turn to answer in could not start (no token for the Bot Connector, say): the
        core still gets the message, so it is stored like any other; its answer can't be
        posted now and stays in the conversation's history."""
        user = self.roster.known(
            inbound.account_id, inbound.account_name, inbound.conversation.tenant_id
        )
        log.warning(
            "Teams message handled without a turn to answer in event_id=%s", inbound.event_id
        )
        try:
            await self.core.handle(inbound.to_event(user))
        except Exception:
            log.exception("the core failed event_id=%s", inbound.event_id)
        await self.core.dismiss(inbound.event_id)  # the core has it: not prepared again

    async def _take_files(
        self, turn_context: TurnContext, inbound: Inbound, user: UserRef
    ) -> tuple[AttachmentRef, ...]:
        """attachments: the message's files, downloaded and kept before the core sees it."""
        if not inbound.files or self.files is None:
            return ()
        try:
            return await self.files.take(turn_context, inbound.files, owner_of(user))
        except Exception:  # the message still goes to the core; the files are named
            log.exception("taking the files failed event_id=%s", inbound.event_id)
            return tuple(refused(f.name, NOT_FETCHED, f.content_type) for f in inbound.files)

    async def deliver_stored(self, outgoing: Outgoing) -> bool:
        """Post replies the outbox kept (their process died before posting them). The Bot
        Connector offers a bot no way to read its own messages back, so replies that may have
        been posted already (``outgoing.again``) are posted again."""
        replies = outgoing.replies
        where = json.loads(outgoing.destination)
        reference = ConversationReference().deserialize(where["reference"])
        delivered = False

        async def work(turn_context: TurnContext) -> None:
            nonlocal delivered
            delivered = await self.delivery.send(
                turn_context, replies, source_activity_id=where.get("source_activity_id")
            )

        await self.conversations.continue_with(
            reference, work, channel_data=where.get("channel_data")
        )
        return delivered

    async def _ask_core(
        self, event: Event, turn_context: TurnContext, destination: str | None = None
    ) -> list[Reply]:
        """The core's replies (through the durable inbox when ``destination`` says where they
        go); a typing indicator every few seconds while it is slow."""
        task = asyncio.ensure_future(
            self.core.answer(event, PLATFORM, destination)
            if destination is not None
            else self.core.handle(event)
        )
        while True:
            try:
                return await asyncio.wait_for(asyncio.shield(task), self.typing_every_seconds)
            except TimeoutError:
                await self.delivery.typing(turn_context)
            except Exception:
                log.exception("the core failed event_id=%s", event.event_id)
                return [Reply(SORRY)]

    async def _say(self, reference: ConversationReference, text: str) -> None:
        await self._deliver(reference, [Reply(text)])

    async def _deliver(
        self,
        reference: ConversationReference,
        replies: Sequence[Reply],
        source_activity_id: str | None = None,
    ) -> None:
        async def work(turn_context: TurnContext) -> None:
            await self.delivery.send(turn_context, replies, source_activity_id=source_activity_id)

        await self.conversations.continue_with(reference, work)

    # -- Action.Execute -----------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name == translate.EXECUTE_INVOKE:
            return await self._on_execute(turn_context)
        response: InvokeResponse | None = await super().on_invoke_activity(turn_context)
        if response is None or response.status == HTTPStatus.NOT_IMPLEMENTED:
            # The SDK answers an invoke nobody handles with 501: it is the request that is
            # wrong (our app offers no such invoke), not the server.
            log.warning("Teams invoke not handled name=%r", turn_context.activity.name)
            return InvokeResponse(status=int(HTTPStatus.BAD_REQUEST))
        return response

    async def _on_execute(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        found = translate.from_execute(activity, self.clock())
        if isinstance(found, Ignored):
            log.warning("Teams invoke not understood: %s", found.reason)
            return invoke.message_response(found.answer or translate.UNREADABLE_CARD)
        user = await self.roster.lookup(
            turn_context, found.account_id, found.account_name, found.conversation.tenant_id
        )
        event = found.to_event(user)
        reference = TurnContext.get_conversation_reference(activity)
        # Later messages answer the clicked card's message, not the invoke.
        reference.activity_id = activity.reply_to_id
        # Kept in the durable inbox before the invoke is answered: if this process dies, any
        # other one answers the click (its replies posted from the outbox).
        destination = json.dumps(
            {
                "reference": reference.serialize(),
                "source_activity_id": found.source_activity_id,
                "channel_data": (
                    activity.channel_data if isinstance(activity.channel_data, dict) else None
                ),
            }
        )
        task = asyncio.ensure_future(self.core.answer(event, PLATFORM, destination))
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), self.invoke_budget_seconds)
        except TimeoutError:
            self.spawn(
                self._deliver_when_ready(task, event, reference, found.source_activity_id),
                f"slow invoke {found.event_id}",
            )
            return invoke.message_response(STILL_WORKING)
        except Exception:
            log.exception("the core failed event_id=%s", event.event_id)
            return invoke.message_response(SORRY)
        return self._answer_invoke(replies, reference, found.source_activity_id, event.event_id)

    def _answer_invoke(
        self,
        replies: list[Reply],
        reference: ConversationReference,
        source_activity_id: str | None,
        event_id: str,
    ) -> InvokeResponse:
        if not replies:
            # Answered already (a redelivery), or by a worker process: from the outbox then.
            return invoke.message_response(
                ALREADY_DONE if self.core.answers_here else STILL_WORKING
            )
        in_place = next((r for r in replies if r.replaces_source), None)
        rest = [r for r in replies if r is not in_place]
        self.spawn(
            self._deliver_then_mark(reference, rest, source_activity_id, event_id),
            "invoke replies",
        )
        if in_place is None:
            return invoke.message_response(replies[0].text)
        if source_activity_id:
            # The invoke's answer changes the card only for the person who clicked: everyone
            # else in a group chat or channel sees the new card once the message is updated.
            self.spawn(
                self._replace(reference, in_place, source_activity_id), "update clicked card"
            )
        action_type = self.delivery.action_type
        card = (
            render_card(in_place.card, action_type=action_type, fallback_text=in_place.text)
            if in_place.card is not None
            else text_card(in_place.text)
        )
        return invoke.card_response(card)

    async def _replace(
        self, reference: ConversationReference, reply: Reply, activity_id: str
    ) -> None:
        async def work(turn_context: TurnContext) -> None:
            await self.delivery.replace(turn_context, reply, activity_id)

        await self.conversations.continue_with(reference, work)

    async def _deliver_then_mark(
        self,
        reference: ConversationReference,
        replies: Sequence[Reply],
        source_activity_id: str | None,
        event_id: str,
    ) -> None:
        """Post the replies the invoke's answer did not carry, then mark them all sent in the
        outbox (otherwise another process would post them after the adapter's hold)."""
        if replies:
            await self._deliver(reference, replies, source_activity_id)
        await self.core.delivered(event_id)

    async def _deliver_when_ready(
        self,
        task: asyncio.Future[list[Reply]],
        event: Event,
        reference: ConversationReference,
        source_activity_id: str | None,
    ) -> None:
        try:
            replies = await task
        except Exception:
            log.exception("the core failed event_id=%s", event.event_id)
            replies = [Reply(SORRY)]
        if replies:
            await self._deliver(reference, replies, source_activity_id)
            await self.core.delivered(event.event_id)

    # -- welcome ------------------------------------------------------------------------------

    async def on_teams_members_added_dispatch(
        self,
        members_added: list[ChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        # The SDK's default looks every new member up in the roster before answering; the
        # welcome only needs to know that someone other than the bot joined.
        await self._members_added(members_added, turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount | TeamsChannelAccount], turn_context: TurnContext
    ) -> None:
        await self._members_added(members_added, turn_context)

    async def _members_added(
        self, members: Sequence[ChannelAccount], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        if not translate.is_personal(activity):
            self._added_to_team(members, turn_context)  # triage: how to reach its channel
            return
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(member.id and member.id != bot_id for member in members or []):
            return  # the bot's own join event
        reference = TurnContext.get_conversation_reference(activity)
        self.spawn(self._welcome(reference, translate.conversation_ref(activity)), "welcome")

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not translate.is_personal(activity) and activity.recipient is not None:
            self._added_to_team([activity.recipient], turn_context)  # triage

    def _added_to_team(self, members: Sequence[ChannelAccount], turn_context: TurnContext) -> None:
        """The bot itself was added to a team: keep the channel's reference (service URL,
        tenant), so a configured triage channel there can be posted to."""
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not bot_id or not any(member.id == bot_id for member in members or []):
            return
        where = translate.conversation_ref(activity)
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        team = str((data.get("team") or {}).get("id") or "")
        channel = str((data.get("channel") or {}).get("id") or where.channel_id)
        log.info(
            "Teams: added to team=%s; channel %s can be the triage channel "
            "(TICKETBOT_TRIAGE_TEAMS_CHANNEL)",
            team or "?",
            channel,
        )
        self.spawn(
            self.core.remember_channel(channel, where.delivery_ref or "", team), "remember channel"
        )

    async def _welcome(self, reference: ConversationReference, where: ConversationRef) -> None:
        try:
            await self.core.remember(where)
        except Exception:
            log.exception("storing the Teams conversation failed")
        await self._deliver(reference, [Reply(WELCOME, card=help_card())])
