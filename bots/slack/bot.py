"""What happens after a Slack request is acknowledged: identify the person, call the core
(with a "working on it" note when the answer is late), post the replies, open modals, publish
App Home.

Every piece of slow work runs as a tracked background task so the listener returns at once
(the acknowledgement never waits for the core) and shutdown can wait for work in flight.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bots.attachments import NOT_FETCHED
from bots.background import BackgroundWork
from bots.slack import home, modals
from bots.slack.answered import parts_posted
from bots.slack.delivery import Delivery
from bots.slack.destination import PLATFORM, Destination
from bots.slack.errors import SLACK_CALL_ERRORS, reason
from bots.slack.files import SlackFiles
from bots.slack.gateway import CoreGateway
from bots.slack.intake import intake_from_json, intake_to_json
from bots.slack.packing import (
    ACTION,
    DESTINATION,
    MISSING,
    PRIVATE_METADATA_MAX,
    REQUIRED,
    Stash,
    pack,
)
from bots.slack.translate import Inbound
from bots.slack.users import UserDirectory
from core.attachments import owner_of, refused
from core.errors import TicketingError
from core.messages import AttachmentRef, CardInput, Event, Reply, UserRef
from core.tickets import Ticket
from storage.inbox import Outgoing

log = logging.getLogger(__name__)

WORKING_ON_IT = "Working on it…"
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
EXPIRED = (
    "Sorry, the details behind that button are no longer available (I may have restarted). "
    "Please send your request again."
)
HOME_TICKETS = 20
IDENTITY_KEYS = ("draft_id", "ticket")


class SlackBot:
    """The adapter's behaviour, independent of how requests arrive (HTTP or Socket Mode)."""

    def __init__(
        self,
        *,
        core: CoreGateway,
        client: AsyncWebClient,
        users: UserDirectory,
        stash: Stash,
        clock: Callable[[], datetime],
        slow_notice_seconds: float,
        files: SlackFiles | None = None,
        late: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.core = core
        self.client = client
        self.users = users
        self.stash = stash
        self.clock = clock
        self.slow_notice_seconds = slow_notice_seconds
        self.late = late  # waits that many seconds (tests pass a timer they fire themselves)
        self.delivery = Delivery(client, stash)
        self.background = BackgroundWork("slack")
        self.files = files  # attachments:

    # -- background work ----------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` after the acknowledgement; failures are logged, never lost silently."""
        self.background.spawn(work, name)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait for work in flight (tests, shutdown). True when everything finished."""
        return await self.background.drain(timeout)

    # -- conversations ------------------------------------------------------------------------

    async def receive(self, inbound: Inbound, missing: Sequence[str] = ()) -> bool:
        """Keep the request in the durable inbox before Slack is acknowledged; False for a
        redelivery (nothing more to do). Raises when it cannot be kept: Slack must get a 5xx
        and deliver it again."""
        return await self.core.receive(
            inbound.event_id,
            PLATFORM,
            intake_to_json(inbound, missing),
            json.dumps(inbound.destination.compact()),
        )

    async def converse(self, inbound: Inbound) -> None:
        """Ask the core and post its answer where the request came from."""
        await self.act(inbound)

    async def prepare_stored(self, intake: str, destination: str) -> tuple[Event, str] | None:
        """A request another process received and kept (it died before it looked the person
        up): the core's event and where its answer goes, or ``None`` when there is nothing for
        the core (the person was told the button expired, say)."""
        try:
            inbound, missing = intake_from_json(intake)
        except ValueError as exc:
            log.error("kept Slack request unreadable, set aside: %s", exc)
            return None
        prepared = await self._prepare(inbound, missing)
        if prepared is None:
            return None
        event, where = prepared
        return event, json.dumps(where.compact())

    async def _prepare(
        self, inbound: Inbound, missing: Sequence[str] = ()
    ) -> tuple[Event, Destination] | None:
        """Who asked, with the card values lost from the button recovered and the files
        downloaded: the core's event and where its answer goes; ``None`` when the request
        can't go to the core (it was answered here)."""
        if missing:
            recovered = await self._recover(inbound, missing)
            if recovered is None:
                await self.tell(inbound.destination, EXPIRED)
                return None
            inbound = replace(inbound, values=MappingProxyType(recovered))
        where = await self._with_channel(inbound.destination)
        if where is None:
            return None
        user = await self.users.lookup(inbound.user_id)
        if inbound.mentioned:
            inbound = inbound.named(await self.users.names(inbound.mentioned))
        attachments = await self._take_files(inbound, user)  # attachments:
        return replace(inbound, destination=where).to_event(user, attachments), where

    async def deliver_stored(self, outgoing: Outgoing) -> bool:
        """Post replies the outbox kept. Some may be in Slack already (``outgoing.again``: the
        process that posted them died before marking them sent, or only some got through):
        those found in the conversation are not posted again."""
        where = Destination.from_compact(json.loads(outgoing.destination))
        posted: set[int] = set()
        if outgoing.again:
            since = outgoing.received_at or self.clock()
            found = await parts_posted(self.client, outgoing.event_id, where, since)
            posted = found or set()  # not known: post them all (twice beats never)
            if posted:
                log.info(
                    "outbox: %d of %d replies already in Slack event_id=%s",
                    len(posted),
                    len(outgoing.replies),
                    outgoing.event_id,
                )
        delivered = await self.delivery.send(
            outgoing.replies, where, event_id=outgoing.event_id, posted=posted
        )
        if where.from_home:
            await self.publish_home(where.user_id)
        return delivered

    async def answers_thread(self, inbound: Inbound) -> bool:
        """A reply in a channel thread is answered only in a thread the bot has a conversation
        in (it started there with a mention) or under a triage card, never for other channel
        chatter."""
        conversation = inbound.destination.conversation()
        if await self.core.has_conversation(conversation) or await self.core.is_triage_thread(
            conversation
        ):
            return True
        log.debug("thread reply ignored: no conversation in the thread")
        return False

    async def _take_files(self, inbound: Inbound, user: UserRef) -> tuple[AttachmentRef, ...]:
        """attachments: the message's files, downloaded and kept before the core sees it."""
        if not inbound.files or self.files is None:
            return ()
        try:
            return await self.files.take(inbound.files, owner_of(user))
        except Exception:  # the message still goes to the core; the files are named
            log.exception("taking the files failed event_id=%s", inbound.event_id)
            return tuple(refused(f.name, NOT_FETCHED, f.mimetype) for f in inbound.files)

    async def act(
        self,
        inbound: Inbound,
        missing: Sequence[str] = (),
    ) -> None:
        """A request (a message, or a card action whose values may have lost parked parts:
        see ``packing``, recovered from the conversation's pending confirmation, or the person
        is told instead of acting): ask the core and post its answer."""
        prepared = await self._prepare(inbound, missing)
        if prepared is None:
            await self.core.dismiss(inbound.event_id)
            return
        event, where = prepared
        replies = await self._ask_core(event, where, inbound.received_at)
        sent = await self.delivery.send(replies, where, event_id=event.event_id)
        if replies:
            # Not all sent: the outbox tries again once this process's hold on them runs out,
            # posting only the parts Slack does not have.
            await self.core.delivered(event.event_id, posted=sent)
        if where.from_home:
            await self.publish_home(inbound.user_id)

    async def tell(self, where: Destination, text: str) -> None:
        """A short private message to the person, wherever they are."""
        resolved = await self._with_channel(where)
        if resolved is not None:
            await self.delivery.send([Reply(text, ephemeral=True)], resolved)

    async def _recover(self, inbound: Inbound, missing: Sequence[str]) -> dict[str, str] | None:
        where = await self._with_channel(inbound.destination)
        if where is None:
            return None
        try:
            pending = await self.core.pending(where.conversation())
        except Exception:
            log.exception("reading the pending confirmation failed")
            return None
        known = dict(inbound.values)
        # The pending confirmation must be the very one the card showed (same draft).
        identity = [k for k in IDENTITY_KEYS if k in known]
        if (
            pending is None
            or pending.action_id != inbound.action_id
            or not identity
            or any(pending.values.get(k) != known[k] for k in identity)
            or not all(k in pending.values for k in missing)
        ):
            log.warning(
                "card values expired and not recoverable action=%s missing=%s",
                inbound.action_id,
                ",".join(missing),
            )
            return None
        return {**{k: pending.values[k] for k in missing}, **known}

    async def _ask_core(
        self, event: Event, where: Destination, received_at: datetime
    ) -> list[Reply]:
        destination = json.dumps(where.compact())
        task = asyncio.ensure_future(self.core.answer(event, PLATFORM, destination))
        # The person has waited since the message arrived (looking them up and fetching files
        # counts too); the note goes out only when the answer is late by that measure.
        waited = (self.clock() - received_at).total_seconds()
        timer = asyncio.ensure_future(self.late(max(0.0, self.slow_notice_seconds - waited)))
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if not task.done():
            await self.delivery.notice(WORKING_ON_IT, where)
        try:
            return await task
        except Exception:
            log.exception("the core failed event_id=%s", event.event_id)
            return [Reply(SORRY)]

    async def _with_channel(self, where: Destination) -> Destination | None:
        """App Home has no channel: its answers go to the person's DM with the bot."""
        if where.channel_id is not None:
            return where
        try:
            response = await self.client.conversations_open(users=where.user_id)
        except SLACK_CALL_ERRORS as exc:
            log.error("conversations.open failed user=%s: %s", where.user_id, reason(exc))
            return None
        return where.in_channel(str((response.get("channel") or {})["id"]))

    # -- modals -------------------------------------------------------------------------------

    async def open_new_ticket(
        self, trigger_id: str, where: Destination, *, description: str = "", title: str = ""
    ) -> None:
        # A description too long to edit in Slack rides along in the metadata, unchanged.
        carried = {"description": description} if description else {}
        metadata = pack(
            carried, self.stash, limit=PRIVATE_METADATA_MAX, extra={DESTINATION: where.compact()}
        )
        view = modals.new_ticket_modal(metadata, title=title, description=description)
        await self._open(trigger_id, view)

    async def open_card_inputs(
        self,
        trigger_id: str,
        where: Destination,
        *,
        action_id: str,
        values: Mapping[str, str],
        inputs: Sequence[CardInput],
        title: str,
        submit: str,
        missing: Sequence[str] = (),
    ) -> None:
        """A modal for ``inputs``; its submission sends ``action_id`` with ``values`` plus what
        was entered. ``missing``: values already lost, recovered (or not) on submission."""
        extra: dict[str, Any] = {ACTION: action_id, DESTINATION: where.compact()}
        required = [i.input_id for i in inputs if i.required]
        if required:
            extra[REQUIRED] = required
        if missing:
            extra[MISSING] = list(missing)
        metadata = pack(values, self.stash, limit=PRIVATE_METADATA_MAX, extra=extra)
        fields = [replace(i, value=values.get(i.input_id, i.value)) for i in inputs]
        view = modals.card_inputs_modal(title, submit, fields, metadata)
        await self._open(trigger_id, view)

    async def _open(self, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SLACK_CALL_ERRORS as exc:
            # An expired trigger (over 3 s) is the usual cause; the person can click again.
            log.error("views.open failed: %s", reason(exc))

    # -- App Home -----------------------------------------------------------------------------

    async def publish_home(self, user_id: str) -> None:
        user = await self.users.lookup(user_id)
        tickets: list[Ticket] = []
        problem: str | None = None
        try:
            tickets = await self.core.list_open(user, HOME_TICKETS)
        except TicketingError as exc:
            log.warning("App Home: listing tickets failed user=%s: %s", user_id, exc.detail)
            problem = exc.user_message
        except Exception:
            log.exception("App Home: listing tickets failed user=%s", user_id)
            problem = SORRY
        view = home.home_view(tickets, self.stash, problem=problem)
        try:
            await self.client.views_publish(user_id=user_id, view=view)
        except SLACK_CALL_ERRORS as exc:
            log.error("views.publish failed user=%s: %s", user_id, reason(exc))
