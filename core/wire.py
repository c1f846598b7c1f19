"""Events and replies as JSON, for what outlives a process: the inbox (an acknowledged event
waiting to be worked on), the outbox (replies waiting to be delivered) and the recorded outcome
of an event (so a retaken event answers what it answered before)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from core.messages import (
    ActionInvoked,
    AttachmentRef,
    Card,
    CardAction,
    CardField,
    CardInput,
    CardLink,
    CardNote,
    ConversationRef,
    Event,
    InboundMessage,
    Reply,
    UserRef,
)


def event_to_json(event: Event) -> str:
    """``event`` as a JSON object (its kind under ``kind``)."""
    data: dict[str, Any] = {
        "event_id": event.event_id,
        "conversation": vars(event.conversation),
        "user": vars(event.user),
        "received_at": event.received_at.isoformat() if event.received_at else None,
    }
    if isinstance(event, ActionInvoked):
        data |= {"kind": "action", "action_id": event.action_id, "values": dict(event.values)}
    else:
        data |= {
            "kind": "message",
            "text": event.text,
            "attachments": [vars(a) for a in event.attachments],
        }
    return json.dumps(data, ensure_ascii=False)


def event_from_json(raw: str) -> Event:
    """The event :func:`event_to_json` wrote. Raises ``ValueError`` for anything else."""
    try:
        data = json.loads(raw)
        conversation = ConversationRef(**data["conversation"])
        user = UserRef(**data["user"])
        received = _time(data.get("received_at"))
        if data["kind"] == "action":
            return ActionInvoked(
                event_id=str(data["event_id"]),
                conversation=conversation,
                user=user,
                action_id=str(data["action_id"]),
                values=_values(data["values"]),
                received_at=received,
            )
        if received is None:
            raise ValueError("a message without its time")
        return InboundMessage(
            event_id=str(data["event_id"]),
            conversation=conversation,
            user=user,
            text=str(data["text"]),
            received_at=received,
            attachments=tuple(AttachmentRef(**a) for a in data.get("attachments") or ()),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a stored event: {exc}") from exc


def replies_to_json(replies: Sequence[Reply]) -> str:
    """``replies`` as a JSON list."""
    return json.dumps([_reply(r) for r in replies], ensure_ascii=False)


def reply_to_json(reply: Reply) -> str:
    """One ``reply`` as a JSON object (the updates outbox keeps one reply a row)."""
    return json.dumps(_reply(reply), ensure_ascii=False)


def reply_from_json(raw: str) -> Reply:
    """The reply :func:`reply_to_json` wrote. Raises ``ValueError`` for anything else."""
    try:
        return _reply_from(json.loads(raw))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a stored reply: {exc}") from exc


def conversation_to_json(conversation: ConversationRef) -> str:
    """``conversation`` as a JSON object with sorted keys (equal conversations, equal text)."""
    return json.dumps(vars(conversation), sort_keys=True, ensure_ascii=False)


def conversation_from_json(raw: str) -> ConversationRef:
    """The conversation :func:`conversation_to_json` wrote."""
    return ConversationRef(**json.loads(raw))


def replies_from_json(raw: str) -> list[Reply]:
    """The replies :func:`replies_to_json` wrote. Raises ``ValueError`` for anything else."""
    try:
        return [_reply_from(item) for item in json.loads(raw)]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not stored replies: {exc}") from exc


def _values(raw: Mapping[str, Any] | None) -> MappingProxyType[str, str]:
    return MappingProxyType({str(k): str(v) for k, v in (raw or {}).items()})


def _time(raw: object) -> datetime | None:
    return datetime.fromisoformat(str(raw)) if raw else None


def _reply(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "card": _card(reply.card) if reply.card is not None else None,
        "ephemeral": reply.ephemeral,
        "replaces_source": reply.replaces_source,
    }


def _card(card: Card) -> dict[str, Any]:
    return {
        "title": card.title,
        "kind": card.kind,
        "subtitle": card.subtitle,
        "body": card.body,
        "fields": [vars(f) for f in card.fields],
        "notes": [
            {
                "author": n.author,
                "text": n.text,
                "created_at": n.created_at.isoformat(),
                **({"internal": True} if n.internal else {}),
            }
            for n in card.notes
        ],
        "inputs": [_input(i) for i in card.inputs],
        "actions": [
            {
                "action_id": a.action_id,
                "label": a.label,
                "values": dict(a.values),
                "style": a.style,
                "inputs": [_input(i) for i in a.inputs],
            }
            for a in card.actions
        ],
        "link": vars(card.link) if card.link is not None else None,
    }


def _input(item: CardInput) -> dict[str, Any]:
    return {
        **vars(item),
        "choices": list(item.choices),
        "choice_labels": list(item.choice_labels),
    }


def _input_from(data: Mapping[str, Any]) -> CardInput:
    return CardInput(
        **{
            **data,
            "choices": tuple(data.get("choices") or ()),
            "choice_labels": tuple(data.get("choice_labels") or ()),
        }
    )


def _reply_from(data: Mapping[str, Any]) -> Reply:
    raw = data.get("card")
    card = None
    if raw is not None:
        link = raw.get("link")
        card = Card(
            title=raw["title"],
            kind=raw.get("kind", "info"),
            subtitle=raw.get("subtitle"),
            body=raw.get("body"),
            fields=tuple(CardField(**f) for f in raw.get("fields") or ()),
            notes=tuple(
                CardNote(
                    n["author"],
                    n["text"],
                    datetime.fromisoformat(n["created_at"]),
                    bool(n.get("internal", False)),
                )
                for n in raw.get("notes") or ()
            ),
            inputs=tuple(_input_from(i) for i in raw.get("inputs") or ()),
            actions=tuple(
                CardAction(
                    action_id=a["action_id"],
                    label=a["label"],
                    values=_values(a.get("values")),
                    style=a.get("style", "default"),
                    inputs=tuple(_input_from(i) for i in a.get("inputs") or ()),
                )
                for a in raw.get("actions") or ()
            ),
            link=CardLink(**link) if link else None,
        )
    return Reply(
        text=str(data["text"]),
        card=card,
        ephemeral=bool(data.get("ephemeral", False)),
        replaces_source=bool(data.get("replaces_source", False)),
    )
