"""The Bolt listeners. Each one only reads the payload, keeps a request for the core in the
durable inbox (:meth:`~bots.slack.bot.SlackBot.receive`: a redelivery ends there), hands the
work to :class:`~bots.slack.bot.SlackBot` as a background task and acknowledges. Bolt runs
them before it answers the HTTP request (``process_before_response``), so Slack's 200 means
the request is kept; when it can't be, Slack gets a 500 and delivers it again. Modals open in
their background task at once, while the ``trigger_id`` is still valid.

:data:`LISTENERS` is the one list of what the app handles; :func:`register` registers exactly
it, and the manifest test reads it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import MethodType
from typing import Any, Literal

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bots.slack.blocks import EDIT_ACTION, LINK_ACTION, core_action_id, inputs_from
from bots.slack.bot import EXPIRED, SlackBot
from bots.slack.destination import Destination
from bots.slack.home import HOME_NEW_TICKET_ACTION
from bots.slack.modals import CARD_INPUTS_VIEW, NEW_TICKET_VIEW, input_block_id
from bots.slack.packing import (
    ACTION,
    DESTINATION,
    INPUTS,
    LABEL,
    MISSING,
    REQUIRED,
    Unpacked,
    unpack,
)
from bots.slack.translate import (
    Inbound,
    action_destination,
    command_destination,
    from_app_mention,
    from_message_event,
    from_message_shortcut,
    from_slash_command,
    from_thread_reply,
    interaction_id,
    view_state_values,
)
from core import actions

log = logging.getLogger(__name__)

SLASH_COMMAND = "/ticket"
MESSAGE_SHORTCUT = "create_ticket_from_message"
# "/ticket new" alone (and the grammar's aliases for "new") opens the form instead.
NEW_WORDS = frozenset({"new", "create", "open"})
CORE_ACTIONS = re.compile(r"^ticket\.")
TRIAGE_PREFIX = "ticket.triage."

Ack = Callable[..., Awaitable[Any]]
Body = Mapping[str, Any]
ListenerKind = Literal["event", "command", "shortcut", "action", "view"]


@dataclass(frozen=True)
class Listener:
    """One registration: Bolt's ``app.<kind>(key)``, the :class:`SlackListeners` method that
    handles it, and the manifest entries it needs (``message`` events arrive as
    ``message.im``, ``message.channels``, ``message.groups``)."""

    kind: ListenerKind
    key: str | re.Pattern[str]
    handler: Callable[..., Awaitable[None]]
    manifest: tuple[str, ...] = ()


class SlackListeners:
    """Bolt calls these with the arguments they name (``ack``, ``body``, ``context``...)."""

    def __init__(self, bot: SlackBot, clock: Callable[[], datetime]) -> None:
        self.bot = bot
        self.clock = clock

    # -- events (Bolt acknowledges events when these return) ----------------------------------

    async def on_message(self, body: Body, context: AsyncBoltContext) -> None:
        inbound = from_message_event(body, context.bot_user_id, self.clock())
        if inbound is not None:
            await self._converse(inbound, "message")
            return
        reply = from_thread_reply(body, context.bot_user_id, self.clock())
        if reply is not None and await self.bot.answers_thread(reply):
            await self._converse(reply, "thread reply")
            return
        log.debug("message ignored event_id=%s", body.get("event_id"))

    async def on_app_mention(self, body: Body, context: AsyncBoltContext) -> None:
        inbound = from_app_mention(body, context.bot_user_id, self.clock())
        if inbound is None:
            log.debug("mention ignored event_id=%s", body.get("event_id"))
            return
        await self._converse(inbound, "mention")

    async def on_home_opened(self, event: Body) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        self.bot.spawn(self.bot.publish_home(str(event["user"])), "home")

    # -- the slash command and the shortcut -----------------------------------------------------

    async def on_command(self, ack: Ack, body: Body) -> None:
        if str(body.get("text") or "").strip().lower() in NEW_WORDS:
            where = command_destination(body)
            work = self.bot.open_new_ticket(str(body["trigger_id"]), where)
            self.bot.spawn(work, "new ticket form")
        else:
            await self._converse(from_slash_command(body, self.clock()), "command")
        await ack()

    async def on_message_shortcut(self, ack: Ack, body: Body) -> None:
        if body.get("type") == "message_action":
            inbound = from_message_shortcut(body, actions.NEW_TICKET, self.clock())
            await self._converse(inbound, "shortcut")
        await ack()

    # -- buttons --------------------------------------------------------------------------------

    async def on_card_action(self, ack: Ack, body: Body, action: Body) -> None:
        await self._start_card_action(body, action)
        await ack()

    async def _start_card_action(self, body: Body, action: Body) -> None:
        where = action_destination(body, action.get("block_id"))
        action_id = core_action_id(str(action.get("action_id", "")))
        if action_id.startswith(TRIAGE_PREFIX):
            where = in_card_thread(where)  # triage: the answer goes under the card
        raw = action.get("value")
        if action.get("type") == "static_select":  # a picker: the chosen option's value
            raw = (action.get("selected_option") or {}).get("value")
        packed = self._unpack(raw, where)
        if packed is None:
            return
        trigger = str(body.get("trigger_id") or "")
        if action_id == actions.NEW_TICKET and not packed.values.get(actions.INPUT_TITLE):
            description = packed.values.get(actions.INPUT_DESCRIPTION, "")
            work = self.bot.open_new_ticket(trigger, where, description=description)
            self.bot.spawn(work, "new ticket form")
            return
        inputs = inputs_from(packed.extra.get(INPUTS))  # checked by _unpack
        if inputs:
            label = str((action.get("text") or {}).get("text") or "Submit")
            form = self.bot.open_card_inputs(
                trigger,
                where,
                action_id=action_id,
                values=packed.values,
                inputs=inputs,
                title=label,
                submit=label,
                missing=packed.missing,
            )
            self.bot.spawn(form, f"form {action_id}")
            return
        inbound = Inbound(
            event_id=interaction_id(body),
            destination=where,
            received_at=self.clock(),
            action_id=action_id,
            values=packed.values,
        )
        await self._converse(inbound, f"action {action_id}", packed.missing)

    async def on_edit(self, ack: Ack, body: Body, action: Body) -> None:
        where = action_destination(body, action.get("block_id"))
        packed = self._unpack(action.get("value"), where)
        if packed is not None:
            form = self.bot.open_card_inputs(
                str(body.get("trigger_id") or ""),
                where,
                action_id=str(packed.extra.get(ACTION, "")),
                values=packed.values,
                inputs=inputs_from(packed.extra.get(INPUTS)),
                title="Edit details",
                submit=str(packed.extra.get(LABEL) or "Save"),
                missing=packed.missing,
            )
            self.bot.spawn(form, "edit form")
        await ack()

    async def on_link(self, ack: Ack) -> None:
        await ack()  # the browser opens the link; Slack still tells us about the click

    async def on_home_new_ticket(self, ack: Ack, body: Body) -> None:
        user = body.get("user") or {}
        where = Destination(
            team_id=str((body.get("team") or {}).get("id") or user.get("team_id") or ""),
            user_id=str(user["id"]),
            from_home=True,
        )
        form = self.bot.open_new_ticket(str(body.get("trigger_id") or ""), where)
        self.bot.spawn(form, "new ticket form")
        await ack()

    # -- modal submissions ----------------------------------------------------------------------

    async def on_new_ticket_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        submitted = view_state_values(view)
        if not submitted.get(actions.INPUT_TITLE, "").strip():
            await ack(
                response_action="errors",
                errors={input_block_id(actions.INPUT_TITLE): "Please give the ticket a title."},
            )
            return
        packed = self._unpack_metadata(view)
        if packed is not None:
            inbound = Inbound(
                event_id=interaction_id(body),
                destination=Destination.from_compact(packed.extra[DESTINATION]),
                received_at=self.clock(),
                action_id=actions.NEW_TICKET,
                values={**packed.values, **submitted},
            )
            await self._converse(inbound, "new ticket")
        await ack()

    async def on_card_inputs_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        submitted = view_state_values(view)
        packed = self._unpack_metadata(view)
        if packed is None:
            await ack()
            return
        blank = [i for i in packed.extra.get(REQUIRED) or [] if not submitted.get(i, "x").strip()]
        if blank:
            await ack(
                response_action="errors",
                errors={input_block_id(i): "This can't be empty." for i in blank},
            )
            return
        lost = [*packed.missing, *(packed.extra.get(MISSING) or [])]
        missing = [m for m in lost if m not in submitted]
        inbound = Inbound(
            event_id=interaction_id(body),
            destination=Destination.from_compact(packed.extra[DESTINATION]),
            received_at=self.clock(),
            action_id=str(packed.extra.get(ACTION, "")),
            values={**packed.values, **submitted},
        )
        await self._converse(inbound, "card inputs", missing)
        await ack()

    # -- helpers --------------------------------------------------------------------------------

    async def _converse(self, inbound: Inbound, name: str, missing: Sequence[str] = ()) -> None:
        """Keep the request before Slack is acknowledged, then answer it in the background
        (a redelivery is not answered again)."""
        if await self.bot.receive(inbound, missing):
            self.bot.spawn(self.bot.act(inbound, missing), name)

    def _unpack(self, raw: object, where: Destination) -> Unpacked | None:
        """A button's value as :func:`~bots.slack.packing.pack` wrote it, its inputs readable;
        anything else is answered as an expired button."""
        try:
            packed = unpack(str(raw or ""), self.bot.stash)
            inputs_from(packed.extra.get(INPUTS))
        except ValueError:
            log.warning("button value unreadable user=%s", where.user_id)
            self.bot.spawn(self.bot.tell(where, EXPIRED), "expired")
            return None
        return packed

    def _unpack_metadata(self, view: Body) -> Unpacked | None:
        """A modal's metadata as the bot wrote it (destination, input ids), or ``None``."""
        try:
            packed = unpack(str(view.get("private_metadata") or ""), self.bot.stash)
            place = packed.extra.get(DESTINATION)
            if not isinstance(place, dict):
                raise ValueError("no destination")
            Destination.from_compact(place)
            for key in (REQUIRED, MISSING):
                ids = packed.extra.get(key) or []
                if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                    raise ValueError(f"{key} is not a list of input ids")
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("modal metadata unreadable view=%s: %s", view.get("id"), exc)
            return None
        return packed


LISTENERS: tuple[Listener, ...] = (
    # Direct messages, and replies in the channel threads the bot has a conversation in.
    Listener(
        "event",
        "message",
        SlackListeners.on_message,
        ("message.im", "message.channels", "message.groups"),
    ),
    Listener("event", "app_mention", SlackListeners.on_app_mention, ("app_mention",)),
    Listener("event", "app_home_opened", SlackListeners.on_home_opened, ("app_home_opened",)),
    Listener("command", SLASH_COMMAND, SlackListeners.on_command, (SLASH_COMMAND,)),
    Listener("shortcut", MESSAGE_SHORTCUT, SlackListeners.on_message_shortcut, (MESSAGE_SHORTCUT,)),
    Listener("action", CORE_ACTIONS, SlackListeners.on_card_action),
    Listener("action", EDIT_ACTION, SlackListeners.on_edit),
    Listener("action", LINK_ACTION, SlackListeners.on_link),
    Listener("action", HOME_NEW_TICKET_ACTION, SlackListeners.on_home_new_ticket),
    Listener("view", NEW_TICKET_VIEW, SlackListeners.on_new_ticket_submitted),
    Listener("view", CARD_INPUTS_VIEW, SlackListeners.on_card_inputs_submitted),
)


def in_card_thread(where: Destination) -> Destination:
    """A click on a channel message that heads no thread (a triage card): answered in the
    card's own thread, which is also the conversation the core keys on."""
    if where.thread_ts or where.source_ephemeral or not where.source_ts or where.from_home:
        return where
    return replace(where, thread_ts=where.source_ts, conversation_key=where.source_ts)


def register(app: AsyncApp, handlers: SlackListeners) -> None:
    """Register every entry of :data:`LISTENERS` on ``app``, bound to ``handlers``."""
    kinds = {
        "event": app.event,
        "command": app.command,
        "shortcut": app.shortcut,
        "action": app.action,
        "view": app.view,
    }
    for listener in LISTENERS:
        kinds[listener.kind](listener.key)(MethodType(listener.handler, handlers))
