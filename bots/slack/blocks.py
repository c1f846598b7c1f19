"""The core's replies as Block Kit messages (pure rendering, written as plain JSON dicts).

Every message carries plain ``text`` (notifications, screen readers). Long text is trimmed
with an ellipsis to Slack's limits so Slack never rejects a message. Buttons carry their
:class:`~core.messages.CardAction` packed into ``value`` (see :mod:`bots.slack.packing`); their
``action_id`` is the core's id plus a per-message suffix, so the listener can rebuild the
:class:`~core.messages.ActionInvoked` from the click alone.

Blocks are dicts rather than ``slack_sdk.models`` objects: their ``to_dict()`` validation cost
about 0.4 ms per card on the hot path. The output is what ``to_dict()`` gave (keys in sorted
order, empty values left out, ``"emoji": true`` on button labels); the tests' fake Slack API
parses every posted payload back with ``slack_sdk.models`` and checks Slack's limits there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bots.slack import mrkdwn
from bots.slack.destination import actions_block_id
from bots.slack.packing import ACTION, BUTTON_VALUE_MAX, INPUTS, LABEL, VALUES, Stash, pack
from core.messages import INTERNAL_MARKER, Card, CardAction, CardInput, Reply

log = logging.getLogger(__name__)

Json = dict[str, Any]  # a Block Kit block, element or composition object

MESSAGE_BLOCKS_MAX = 50
TEXT_MAX = 3000  # section text, and our cap for a message's fallback ``text``
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
ELEMENTS_PER_ACTIONS = 25
URL_MAX = 3000
OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150

# Our own action ids (the core's all start with "ticket.").
ACTION_SEPARATOR = "~"
EDIT_ACTION = "ticketbot.edit"
LINK_ACTION = "ticketbot.link"


@dataclass(frozen=True)
class SlackMessage:
    """What ``chat.postMessage`` / ``chat.update`` / a ``response_url`` receive."""

    text: str
    blocks: tuple[dict[str, Any], ...] = ()

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"text": self.text}
        if self.blocks:
            kwargs["blocks"] = list(self.blocks)
        return kwargs


def render_reply(
    reply: Reply, stash: Stash, *, conversation_key: str | None = None
) -> SlackMessage:
    """A reply as a Slack message. ``conversation_key`` (the conversation's thread id) rides in
    the actions block's ``block_id`` so a click on an ephemeral card finds its conversation."""
    text = mrkdwn.trim_escaped(reply.text, TEXT_MAX)
    if reply.card is None:
        if len(reply.text) <= TEXT_MAX:
            return SlackMessage(text=text)
        return SlackMessage(text=text, blocks=tuple(_long_text_blocks(reply.text)))
    blocks = card_blocks(reply.card, stash, conversation_key=conversation_key)
    return SlackMessage(text=text, blocks=tuple(blocks))


def card_blocks(
    card: Card, stash: Stash, *, conversation_key: str | None = None, max_blocks: int = 50
) -> list[Json]:
    """A card as blocks: header, subtitle, body, fields, latest notes, then its buttons."""
    blocks: list[Json] = [_header(_plain(card.title, HEADER_MAX))]
    if card.subtitle:
        blocks.append(_context(card.subtitle))
    if card.body:
        blocks.append(_section(card.body))
    for start in range(0, len(card.fields), FIELDS_PER_SECTION):
        chunk = card.fields[start : start + FIELDS_PER_SECTION]
        blocks.append(
            {
                "fields": [
                    _mrkdwn(
                        mrkdwn.trim(
                            f"*{mrkdwn.trim_escaped(f.label, 200)}*\n"
                            f"{mrkdwn.trim_escaped(f.value or '—', FIELD_MAX - 210)}",
                            FIELD_MAX,
                        )
                    )
                    for f in chunk
                ],
                "type": "section",
            }
        )
    if card.notes:
        blocks.append(_section("*Latest notes*", escape=False))
        for note in card.notes:
            heading = f"*{mrkdwn.trim_escaped(note.author or 'Someone', 200)}* · "
            heading += mrkdwn.date(note.created_at)
            if note.internal:
                heading += f" · _{INTERNAL_MARKER}_"
            body = mrkdwn.trim_escaped(note.text, TEXT_MAX - len(heading) - 1)
            blocks.append(_section(f"{heading}\n{body}", escape=False))
    action_blocks = _action_blocks(card, stash, conversation_key)
    room = max_blocks - len(action_blocks)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], _context("… more in the full ticket.")]
    return [*blocks, *action_blocks]


def action_slack_id(action_id: str, index: int) -> str:
    """The ``action_id`` of a card action's button (unique within the message)."""
    return f"{action_id}{ACTION_SEPARATOR}{index}"


def core_action_id(slack_action_id: str) -> str:
    """The core's action id back from :func:`action_slack_id`."""
    return slack_action_id.rsplit(ACTION_SEPARATOR, 1)[0]


def submit_action(card: Card) -> CardAction | None:
    """The action a card's editable ``inputs`` belong to: its primary button, else the first
    button that asks for nothing itself."""
    candidates = [a for a in card.actions if not a.inputs]
    for action in candidates:
        if action.style == "primary":
            return action
    return candidates[0] if candidates else None


def input_spec(field: CardInput) -> list[Any]:
    """A compact, JSON-able description of an input, rebuilt by :func:`input_from_spec`."""
    spec = [
        field.input_id,
        field.label,
        field.value,
        field.multiline,
        list(field.choices),
        field.max_length,
        field.required,
    ]
    if field.choice_labels:
        spec.append(list(field.choice_labels))
    return spec


def input_from_spec(spec: Sequence[Any]) -> CardInput:
    input_id, label, value, multiline, choices, max_length, required, *rest = spec
    if len(rest) > 1:
        raise ValueError("not an input spec")
    return CardInput(
        input_id=str(input_id),
        label=str(label),
        value=str(value),
        multiline=bool(multiline),
        choices=tuple(str(c) for c in choices),
        max_length=int(max_length),
        required=bool(required),
        choice_labels=tuple(str(c) for c in rest[0]) if rest else (),
    )


def picker_input(action: CardAction) -> CardInput | None:
    """The one choice an action asks for, when that is all it asks (Assign…, Status…): shown
    as a select menu on the message itself, no dialog needed."""
    if len(action.inputs) == 1 and action.inputs[0].choices:
        return action.inputs[0]
    return None


def inputs_from(specs: object) -> list[CardInput]:
    """The inputs a list of :func:`input_spec` entries describes (none for ``None``).
    Raises ``ValueError`` for anything else."""
    if specs is None:
        return []
    if not isinstance(specs, list):
        raise ValueError("input specs are not a list")
    try:
        return [input_from_spec(spec) for spec in specs]
    except (TypeError, ValueError) as exc:
        raise ValueError("not an input spec") from exc


def _action_blocks(card: Card, stash: Stash, conversation_key: str | None) -> list[Json]:
    elements: list[Json] = []
    for index, action in enumerate(card.actions):
        button = _select(action, index) if picker_input(action) else _button(action, index, stash)
        if button is not None:
            elements.append(button)
    target = submit_action(card)
    if card.inputs and target is not None:
        edit = _edit_button(card, target, stash)
        if edit is not None:
            # Right after the action it edits: Create / Edit / Cancel.
            elements.insert(min(card.actions.index(target) + 1, len(elements)), edit)
    if card.link is not None:
        if len(card.link.url) <= URL_MAX:
            elements.append(
                _button_element(
                    _plain(card.link.label, BUTTON_TEXT_MAX), LINK_ACTION, url=card.link.url
                )
            )
        else:
            log.warning("card link dropped: URL longer than %d characters", URL_MAX)
    return [
        {
            "block_id": actions_block_id(number, conversation_key),
            "elements": elements[start : start + ELEMENTS_PER_ACTIONS],
            "type": "actions",
        }
        for number, start in enumerate(range(0, len(elements), ELEMENTS_PER_ACTIONS))
    ]


def _button(action: CardAction, index: int, stash: Stash) -> Json | None:
    extra = {INPUTS: [input_spec(i) for i in action.inputs]} if action.inputs else None
    try:
        value = pack(action.values, stash, limit=BUTTON_VALUE_MAX, extra=extra)
    except ValueError:
        log.error("button dropped: action %s cannot be packed", action.action_id)
        return None
    return _button_element(
        _plain(action.label, BUTTON_TEXT_MAX),
        action_slack_id(action.action_id, index),
        value=value,
        style=None if action.style == "default" else action.style,
    )


def _select(action: CardAction, index: int) -> Json | None:
    """A select menu whose every option carries the action's values plus its own choice (an
    option's value holds at most 150 characters: a choice too long for it is left out)."""
    field = picker_input(action)
    assert field is not None
    options = []
    for choice in field.choices[:OPTIONS_MAX]:
        value = json.dumps(
            {VALUES: {**action.values, field.input_id: choice}},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if len(value) > OPTION_VALUE_MAX:
            log.warning("select option dropped: %s choice too long", action.action_id)
            continue
        options.append(
            {
                "text": _plain_text(_plain(field.choice_label(choice), OPTION_TEXT_MAX)),
                "value": value,
            }
        )
    if not options:
        log.error("select dropped: action %s has no choice to offer", action.action_id)
        return None
    return {
        "action_id": action_slack_id(action.action_id, index),
        "options": options,
        "placeholder": _plain_text(_plain(action.label, OPTION_TEXT_MAX)),
        "type": "static_select",
    }


def _edit_button(card: Card, target: CardAction, stash: Stash) -> Json | None:
    extra = {
        ACTION: target.action_id,
        LABEL: target.label,
        INPUTS: [input_spec(i) for i in card.inputs],
    }
    try:
        value = pack(target.values, stash, limit=BUTTON_VALUE_MAX, extra=extra)
    except ValueError:
        log.error("edit button dropped: inputs of %s cannot be packed", target.action_id)
        return None
    return _button_element(_plain("Edit", BUTTON_TEXT_MAX), EDIT_ACTION, value=value)


def _button_element(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> Json:
    button: Json = {"action_id": action_id}
    if style:
        button["style"] = style
    # slack_sdk's ButtonElement(text=str) marked its label "emoji": true; kept as it was.
    button["text"] = {"emoji": True, "text": text, "type": "plain_text"}
    button["type"] = "button"
    if url:  # an empty URL was left out by to_dict(), as every empty value
        button["url"] = url
    if value:
        button["value"] = value
    return button


def _long_text_blocks(text: str) -> list[Json]:
    # Chunked before escaping so an entity is never split; escaping may lengthen a piece.
    pieces = [mrkdwn.trim_escaped(p, TEXT_MAX) for p in mrkdwn.chunks(text, TEXT_MAX - 200)]
    if len(pieces) > MESSAGE_BLOCKS_MAX:
        pieces = pieces[:MESSAGE_BLOCKS_MAX]
        pieces[-1] = mrkdwn.trim(pieces[-1], TEXT_MAX - 1) + mrkdwn.ELLIPSIS
    return [{"text": _mrkdwn(piece), "type": "section"} for piece in pieces]


def _header(text: str) -> Json:
    return {"text": _plain_text(text), "type": "header"}


def _section(text: str, *, escape: bool = True) -> Json:
    body = mrkdwn.trim_escaped(text, TEXT_MAX) if escape else mrkdwn.trim(text, TEXT_MAX)
    return {"text": _mrkdwn(body), "type": "section"}


def _context(text: str) -> Json:
    return {"elements": [_mrkdwn(mrkdwn.trim_escaped(text, TEXT_MAX))], "type": "context"}


def _plain_text(text: str) -> Json:
    return {"text": text, "type": "plain_text"}


def _mrkdwn(text: str) -> Json:
    # A long reply can chunk into a blank piece: to_dict() left its empty text out.
    return {"text": text, "type": "mrkdwn"} if text else {"type": "mrkdwn"}


def _plain(text: str, limit: int) -> str:
    return mrkdwn.trim(" ".join(text.split()) or "—", limit)
