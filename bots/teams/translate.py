"""Bot Framework activities -> the core's neutral events (pure functions).

:func:`from_message` reads a message (typed text, or an ``Action.Submit`` from one of our cards)
and :func:`from_execute` an ``Action.Execute`` invoke into an :class:`Inbound`, or an
:class:`Ignored` saying why not; :meth:`Inbound.to_event` makes the core's
:class:`~core.messages.InboundMessage` or :class:`~core.messages.ActionInvoked` once the person's
identity (the Teams roster) is known.

Where a conversation is, for the core: ``tenant_id`` from ``channelData.tenant.id``,
``channel_id`` the conversation id (a channel's without its reply chain), ``thread_id`` the reply
chain's root message in a channel, and ``delivery_ref`` the serialised conversation reference
(enough to post to the conversation later).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from bots.teams.cards import DATA_ACTION, DATA_VALUES, INPUT_IDS
from bots.teams.files import TeamsFile, files_of
from core.messages import AttachmentRef, ConversationRef, Event, UserRef, make_event

log = logging.getLogger(__name__)

PLATFORM = "teams"
EXECUTE_INVOKE = "adaptiveCard/action"
# A channel conversation id names its reply chain: "19:...@thread.tacv2;messageid=1700000000000".
_MESSAGE_ID = ";messageid="
_AT_RE = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_SPACES_RE = re.compile(r"[ \t\u00a0]+")

UNREADABLE_CARD = (
    "Sorry, I couldn't read that card (it may be from an older version of me). "
    "Please type what you need, or “help”."
)


@dataclass(frozen=True)
class Inbound:
    """One request for the core, before the person's identity is looked up."""

    event_id: str
    conversation: ConversationRef
    account_id: str
    account_name: str
    received_at: datetime
    text: str | None = None
    action_id: str | None = None
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The message whose card was clicked: a reply that replaces_source updates it.
    source_activity_id: str | None = None
    files: tuple[TeamsFile, ...] = ()  # sent with the message, still to download

    def to_event(self, user: UserRef, attachments: tuple[AttachmentRef, ...] = ()) -> Event:
        return make_event(
            event_id=self.event_id,
            conversation=self.conversation,
            user=user,
            received_at=self.received_at,
            text=self.text,
            action_id=self.action_id,
            values=self.values,
            attachments=attachments,
        )


@dataclass(frozen=True)
class Ignored:
    """An activity that is not for the core. ``answer`` is a polite word to the person, if any."""

    reason: str
    answer: str | None = None


# -- messages and invokes -----------------------------------------------------------------------


def from_message(activity: Activity, now: datetime) -> Inbound | Ignored:
    """A typed message (mention of the bot stripped) or an ``Action.Submit`` (``value``)."""
    sender = activity.from_property
    if sender is None or not sender.id:
        return Ignored("message without a sender")
    if activity.value is not None:
        parsed = card_submission(activity.value)
        if parsed is None:
            return Ignored("unreadable card submission", UNREADABLE_CARD)
        action_id, values = parsed
        return _inbound(activity, now, action_id=action_id, values=values)
    text, mentioned = strip_bot_mention(activity)
    if not is_personal(activity) and not mentioned:
        # Teams only sends channel and group messages that mention the bot; anything else
        # (another app's permissions, a mention of someone else) is not addressed to us.
        return Ignored("channel message without a mention of the bot")
    return replace(_inbound(activity, now, text=text), files=files_of(activity))


def from_thread_reply(activity: Activity, now: datetime) -> Inbound | None:
    """A message in a channel's reply chain that does not mention the bot (Teams sends those
    with the resource-specific permission to read channel messages): a reply under a post, not
    the post itself. Whether the chain is one the bot answers in (a triage card's) is for the
    caller to check."""
    sender = activity.from_property
    if sender is None or not sender.id or activity.value is not None or is_personal(activity):
        return None
    conversation_id = str(activity.conversation.id) if activity.conversation else ""
    _, root = split_conversation_id(conversation_id)
    if root is None or root == activity.id:
        return None
    text, _ = strip_bot_mention(activity)
    return replace(_inbound(activity, now, text=text), files=files_of(activity))


def from_execute(activity: Activity, now: datetime) -> Inbound | Ignored:
    """An ``Action.Execute`` invoke: ``value.action`` carries the verb and the data."""
    sender = activity.from_property
    if sender is None or not sender.id:
        return Ignored("invoke without a sender", UNREADABLE_CARD)
    value = activity.value if isinstance(activity.value, Mapping) else {}
    action = value.get("action")
    if not isinstance(action, Mapping) or action.get("type") != "Action.Execute":
        return Ignored("invoke without an Action.Execute", UNREADABLE_CARD)
    verb = action.get("verb")
    parsed = card_submission(action.get("data"), verb if isinstance(verb, str) else None)
    if parsed is None:
        return Ignored("unreadable Action.Execute data", UNREADABLE_CARD)
    action_id, values = parsed
    return _inbound(activity, now, action_id=action_id, values=values)


def card_submission(
    data: object, fallback_action: str | None = None
) -> tuple[str, dict[str, str]] | None:
    """The action id and values a card button sent: its ``data`` with the inputs merged in."""
    if not isinstance(data, Mapping):
        return None
    action_id = data.get(DATA_ACTION) or fallback_action
    if not isinstance(action_id, str) or not action_id.strip():
        return None
    values: dict[str, str] = {}
    carried = data.get(DATA_VALUES)
    if isinstance(carried, Mapping):
        values.update({str(k): str(v) for k, v in carried.items() if _plain(v)})
    for input_id in INPUT_IDS:
        typed = data.get(input_id)
        if isinstance(typed, str):
            values[input_id] = typed
    return action_id.strip(), values


def _plain(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _inbound(
    activity: Activity,
    now: datetime,
    *,
    text: str | None = None,
    action_id: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Inbound:
    sender = activity.from_property
    return Inbound(
        event_id=event_id(activity),
        conversation=conversation_ref(activity),
        account_id=str(sender.id),
        account_name=str(sender.name or ""),
        received_at=_received_at(activity, now),
        text=text,
        action_id=action_id,
        values=MappingProxyType(dict(values or {})),
        source_activity_id=activity.reply_to_id if action_id is not None else None,
    )


def _received_at(activity: Activity, now: datetime) -> datetime:
    stamp = activity.timestamp
    if isinstance(stamp, datetime) and stamp.tzinfo is not None:
        return stamp.astimezone(UTC)
    return now


def event_id(activity: Activity) -> str:
    """The core's dedupe key: the activity id, within its conversation (Teams message ids are
    unique per conversation only). A redelivery carries the same one."""
    conversation_id = activity.conversation.id if activity.conversation else ""
    scope = hashlib.sha256(str(conversation_id).encode()).hexdigest()[:12]
    if not activity.id:
        log.warning("activity without an id: it can't be deduplicated")
        return f"teams:{scope}:none-{uuid.uuid4().hex}"
    return f"teams:{scope}:{activity.id}"


# -- text ---------------------------------------------------------------------------------------


def strip_bot_mention(activity: Activity) -> tuple[str, bool]:
    """The message text without the mention of the bot, and whether the bot was mentioned.
    Mentions of other people keep their names."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    mentioned = False
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "") or "").lower() != "mention":
            continue
        props: dict[str, Any] = getattr(entity, "additional_properties", None) or {}
        who = props.get("mentioned") or {}
        if not isinstance(who, Mapping) or not bot_id or who.get("id") != bot_id:
            continue
        mentioned = True
        for tag in (props.get("text"), f"<at>{who.get('name', '')}</at>"):
            if isinstance(tag, str) and tag:
                text = text.replace(tag, " ")
    text = _AT_RE.sub(lambda match: match.group(1), text)
    return _tidy(html.unescape(text)), mentioned


def _tidy(text: str) -> str:
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(lines).strip()


# -- where ------------------------------------------------------------------------------------


def is_personal(activity: Activity) -> bool:
    """A one-to-one chat with the bot (Teams says ``personal``; other channels, not a group)."""
    conversation = activity.conversation
    if conversation is None:
        return False
    kind = conversation.conversation_type
    if kind:
        return str(kind).lower() == "personal"
    return not conversation.is_group


def tenant_id(activity: Activity) -> str:
    channel_data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, Mapping) and tenant.get("id"):
        return str(tenant["id"])
    conversation = activity.conversation
    if conversation is not None:
        # botbuilder's model reads "tenantID"; Teams sends "tenantId" (kept as an extra).
        extra = getattr(conversation, "additional_properties", None) or {}
        found = conversation.tenant_id or extra.get("tenantId")
        if found:
            return str(found)
    return ""


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """A channel reply chain's id -> (the channel's conversation id, the chain's root message)."""
    channel, marker, root = conversation_id.partition(_MESSAGE_ID)
    return (channel, root or None) if marker else (conversation_id, None)


def conversation_ref(activity: Activity) -> ConversationRef:
    conversation_id = str(activity.conversation.id) if activity.conversation else ""
    channel_id, thread_id = split_conversation_id(conversation_id)
    tenant = tenant_id(activity)
    reference = TurnContext.get_conversation_reference(activity)
    if reference.conversation is not None and tenant:
        reference.conversation.tenant_id = tenant  # kept for later (a new chat needs it)
    return ConversationRef(
        platform=PLATFORM,
        tenant_id=tenant,
        channel_id=channel_id,
        thread_id=thread_id,
        delivery_ref=reference_to_json(reference),
    )


def user_ref(account_id: str, name: str, email: str | None = None) -> UserRef:
    return UserRef(PLATFORM, account_id, name, email or None)


# -- conversation references --------------------------------------------------------------------


def reference_to_json(reference: ConversationReference) -> str:
    """A conversation reference as stable JSON, without the activity it was taken from (a
    later message is posted to the conversation, not as an answer to an old activity)."""
    data = reference.serialize()
    data.pop("activityId", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
