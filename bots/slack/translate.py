"""Slack payloads -> the core's neutral events (pure functions).

Each ``from_*`` function reads one kind of payload into an :class:`Inbound` (or ``None`` when
the payload is not for the bot); :meth:`Inbound.to_event` makes the core's
:class:`~core.messages.InboundMessage` or :class:`~core.messages.ActionInvoked` once the person's
identity (``users.info``) is known. Event ids are Slack's own: ``event_id`` for events and
``trigger_id`` for commands, clicks, submissions and shortcuts, so a redelivery carries the id
the core has already recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bots.slack import mrkdwn
from bots.slack.destination import (
    PRIVATE_PREFIX,
    Destination,
    conversation_key_from_block_id,
    private_key,
)
from bots.slack.files import SlackFile, files_of
from core.messages import AttachmentRef, Event, UserRef, make_event

_ANGLE_RE = re.compile(r"<([^<>]*)>")
# A person's mention without a name in it, as Slack writes it: <@U0123ABC> (W… on Enterprise Grid).
_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]+)>")
FILE_SHARE = "file_share"


@dataclass(frozen=True)
class Inbound:
    """One request for the core, before the person's identity is looked up."""

    event_id: str
    destination: Destination
    received_at: datetime
    text: str | None = None
    action_id: str | None = None
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    mentioned: tuple[str, ...] = ()
    """People mentioned in ``text`` or ``values``, shown as ``@<user id>`` until :meth:`named`."""
    files: tuple[SlackFile, ...] = ()  # shared with the message, still to download

    @property
    def user_id(self) -> str:
        return self.destination.user_id

    def named(self, names: Mapping[str, str]) -> Inbound:
        """The same request with each mentioned person's ``@<user id>`` replaced by
        ``@<name>`` (ids without a name in ``names`` stay as they are)."""
        known = {user_id: name for user_id, name in names.items() if user_id in self.mentioned}
        if not known:
            return replace(self, mentioned=())
        pattern = re.compile(r"@(" + "|".join(map(re.escape, known)) + r")\b")

        def rename(text: str) -> str:
            return pattern.sub(lambda m: f"@{known[m.group(1)]}", text)

        return replace(
            self,
            text=None if self.text is None else rename(self.text),
            values=MappingProxyType({k: rename(v) for k, v in self.values.items()}),
            mentioned=(),
        )

    def to_event(self, user: UserRef, attachments: tuple[AttachmentRef, ...] = ()) -> Event:
        return make_event(
            event_id=self.event_id,
            conversation=self.destination.conversation(),
            user=user,
            received_at=self.received_at,
            text=self.text,
            action_id=self.action_id,
            values=self.values,
            attachments=attachments,
        )


def clean_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's message markup as plain text: the bot's own mention removed, other mentions,
    channels and links readable, entities unescaped."""

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            if bot_user_id and target[1:] == bot_user_id:
                return ""
            return f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        if label and label != target:
            return f"{label} ({target})"
        return target

    return mrkdwn.unescape(_ANGLE_RE.sub(plain, text)).strip()


def mentioned_users(text: str, bot_user_id: str | None = None) -> tuple[str, ...]:
    """The people ``text`` mentions by id alone (``<@U…>``, not the bot), in order, once each."""
    found = dict.fromkeys(m for m in _MENTION_RE.findall(text) if m != bot_user_id)
    return tuple(found)


def is_from_bot(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """Messages from bots (this one included) are never answered: no loops."""
    return bool(
        event.get("bot_id")
        or event.get("bot_profile")
        or event.get("subtype") == "bot_message"
        or (bot_user_id and event.get("user") == bot_user_id)
    )


def from_message_event(
    body: Mapping[str, Any], bot_user_id: str | None, now: datetime
) -> Inbound | None:
    """A ``message.im`` event: a direct message, maybe with files (``file_share``). Edits,
    deletions, bot messages and every other subtype are ignored."""
    event = body.get("event") or {}
    if event.get("channel_type") != "im" or is_from_bot(event, bot_user_id):
        return None
    if event.get("subtype") not in (None, "", FILE_SHARE):
        return None
    user_id, channel = event.get("user"), event.get("channel")
    if not user_id or not channel:
        return None
    thread_ts = event.get("thread_ts")
    text = str(event.get("text") or "")
    return Inbound(
        event_id=str(body["event_id"]),
        destination=Destination(
            team_id=_team(body, event),
            user_id=str(user_id),
            channel_id=str(channel),
            thread_ts=thread_ts,
            conversation_key=thread_ts,
        ),
        received_at=now,
        text=clean_text(text, bot_user_id),
        mentioned=mentioned_users(text, bot_user_id),
        files=files_of(event),
    )


def from_app_mention(
    body: Mapping[str, Any], bot_user_id: str | None, now: datetime
) -> Inbound | None:
    """An ``app_mention``: answered in the mention's thread, which is the conversation."""
    event = body.get("event") or {}
    if event.get("subtype") or is_from_bot(event, bot_user_id):
        return None
    return _in_thread(body, str(event.get("thread_ts") or event["ts"]), bot_user_id, now)


def from_thread_reply(
    body: Mapping[str, Any], bot_user_id: str | None, now: datetime
) -> Inbound | None:
    """A ``message.channels`` / ``message.groups`` event that may continue a conversation: a
    person's reply inside a channel thread. Everything else in channels is ignored: messages
    outside threads, a thread's root, bots, edits, and replies that mention the bot (Slack
    sends those as ``app_mention`` too, answered from there). Whether the bot has a
    conversation in the thread is for the caller to check."""
    event = body.get("event") or {}
    if event.get("channel_type") not in ("channel", "group"):
        return None
    if event.get("subtype") not in (None, "thread_broadcast", FILE_SHARE) or is_from_bot(
        event, bot_user_id
    ):
        return None
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return None
    text = str(event.get("text") or "")
    if bot_user_id and (f"<@{bot_user_id}>" in text or f"<@{bot_user_id}|" in text):
        return None
    return _in_thread(body, str(thread_ts), bot_user_id, now)


def _in_thread(
    body: Mapping[str, Any], thread_ts: str, bot_user_id: str | None, now: datetime
) -> Inbound | None:
    event = body.get("event") or {}
    user_id, channel = event.get("user"), event.get("channel")
    if not user_id or not channel:
        return None
    text = str(event.get("text") or "")
    return Inbound(
        event_id=str(body["event_id"]),
        destination=Destination(
            team_id=_team(body, event),
            user_id=str(user_id),
            channel_id=str(channel),
            thread_ts=thread_ts,
            conversation_key=thread_ts,
        ),
        received_at=now,
        text=clean_text(text, bot_user_id),
        mentioned=mentioned_users(text, bot_user_id),
        files=files_of(event),
    )


def from_slash_command(body: Mapping[str, Any], now: datetime) -> Inbound:
    """``/ticket <text>``: the core's command grammar reads ``/ticket <text>``. Slack escapes
    the text as it escapes messages, so it is read the same way."""
    raw = str(body.get("text") or "")
    text = f"{body.get('command') or '/ticket'} {clean_text(raw)}".strip()
    return Inbound(
        event_id=str(body["trigger_id"]),
        destination=command_destination(body),
        received_at=now,
        text=text,
        mentioned=mentioned_users(raw),
    )


def command_destination(body: Mapping[str, Any]) -> Destination:
    user_id = str(body["user_id"])
    return Destination(
        team_id=str(body.get("team_id") or ""),
        user_id=user_id,
        channel_id=body.get("channel_id"),
        conversation_key=private_key(user_id),
        response_url=body.get("response_url"),
    )


def from_message_shortcut(body: Mapping[str, Any], action_id: str, now: datetime) -> Inbound:
    """ "Create ticket from message": the message's text is the description to draft from."""
    message = body.get("message") or {}
    raw = str(message.get("text") or "")
    return Inbound(
        event_id=str(body["trigger_id"]),
        destination=shortcut_destination(body),
        received_at=now,
        action_id=action_id,
        values=MappingProxyType({"description": clean_text(raw)}),
        mentioned=mentioned_users(raw),
    )


def shortcut_destination(body: Mapping[str, Any]) -> Destination:
    user_id = str((body.get("user") or {})["id"])
    return Destination(
        team_id=_team_of_interaction(body),
        user_id=user_id,
        channel_id=(body.get("channel") or {}).get("id"),
        conversation_key=private_key(user_id),
        response_url=body.get("response_url"),
    )


def action_destination(body: Mapping[str, Any], block_id: str | None) -> Destination:
    """Where a button click happened: a message (maybe ephemeral, maybe in a thread) or a view
    (App Home). ``block_id`` may carry the conversation key (see ``blocks.render_reply``)."""
    user_id = str((body.get("user") or {})["id"])
    team_id = _team_of_interaction(body)
    container = body.get("container") or {}
    if container.get("type") == "view" or (body.get("view") and not body.get("channel")):
        return Destination(team_id=team_id, user_id=user_id, from_home=True)
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ephemeral = bool(container.get("is_ephemeral"))
    message = body.get("message") or {}
    hinted = conversation_key_from_block_id(block_id)
    thread_ts = message.get("thread_ts") or container.get("thread_ts")
    if hinted and not hinted.startswith(PRIVATE_PREFIX):
        thread_ts = thread_ts or hinted
    if hinted:
        key: str | None = hinted
    elif thread_ts:
        key = str(thread_ts)
    elif ephemeral:
        key = private_key(user_id)
    else:
        key = None
    return Destination(
        team_id=team_id,
        user_id=user_id,
        channel_id=channel,
        thread_ts=thread_ts,
        conversation_key=key,
        response_url=body.get("response_url") if ephemeral else None,
        source_ts=container.get("message_ts") or message.get("ts"),
        source_ephemeral=ephemeral,
    )


def interaction_id(body: Mapping[str, Any]) -> str:
    """The id the core dedupes a click or a submission on."""
    trigger = body.get("trigger_id")
    if trigger:
        return str(trigger)
    actions = body.get("actions") or [{}]
    view = body.get("view") or {}
    return str(actions[0].get("action_ts") or f"{view.get('id')}:{view.get('hash')}")


def view_state_values(view: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values of a modal, keyed by our input ids (block ids ``input.<id>``)."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, elements in state.items():
        if not str(block_id).startswith("input."):
            continue
        input_id = str(block_id)[len("input.") :]
        for element in elements.values():
            selected = element.get("selected_option")
            if selected:
                values[input_id] = str(selected.get("value") or "")
            elif element.get("value") is not None:
                values[input_id] = str(element["value"])
            else:
                values.setdefault(input_id, "")
    return values


def _team(body: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def _team_of_interaction(body: Mapping[str, Any]) -> str:
    team = body.get("team") or {}
    user = body.get("user") or {}
    return str(team.get("id") or user.get("team_id") or "")
