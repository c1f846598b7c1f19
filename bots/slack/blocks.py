"""The core's replies as Block Kit messages (pure rendering, built with ``slack_sdk.models``).

Every message carries plain ``text`` (notifications, screen readers). Long text is trimmed
with an ellipsis to Slack's limits so Slack never rejects a message. Buttons carry their
:class:`~core.messages.CardAction` packed into ``value`` (see :mod:`bots.slack.packing`); their
``action_id`` is the core's id plus a per-message suffix, so the listener can rebuild the
:class:`~core.messages.ActionInvoked` from the click alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bots.slack import mrkdwn
from bots.slack.destination import actions_block_id
from bots.slack.packing import ACTION, BUTTON_VALUE_MAX, INPUTS, LABEL, VALUES, Stash, pack
from core.messages import INTERNAL_MARKER, Card, CardAction, CardInput, Reply

log = logging.getLogger(__name__)

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
        return SlackMessage(text=text, blocks=_to_dicts(_long_text_blocks(reply.text)))
    blocks = card_blocks(reply.card, stash, conversation_key=conversation_key)
    return SlackMessage(text=text, blocks=_to_dicts(blocks))


def card_blocks(
    card: Card, stash: Stash, *, conversation_key: str | None = None, max_blocks: int = 50
) -> list[Block]:
    """A card as blocks: header, subtitle, body, fields, latest notes, then its buttons."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=_plain(card.title, HEADER_MAX)))]
    if card.subtitle:
        blocks.append(_context(card.subtitle))
    if card.body:
        blocks.append(_section(card.body))
    for start in range(0, len(card.fields), FIELDS_PER_SECTION):
        chunk = card.fields[start : start + FIELDS_PER_SECTION]
        blocks.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(
                        text=mrkdwn.trim(
                            f"*{mrkdwn.trim_escaped(f.label, 200)}*\n"
                            f"{mrkdwn.trim_escaped(f.value or '—', FIELD_MAX - 210)}",
                            FIELD_MAX,
                        )
                    )
                    for f in chunk
                ]
            )
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


def _action_blocks(card: Card, stash: Stash, conversation_key: str | None) -> list[Block]:
    elements: list[ButtonElement | StaticSelectElement] = []
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
                ButtonElement(
                    text=_plain(card.link.label, BUTTON_TEXT_MAX),
                    url=card.link.url,
                    action_id=LINK_ACTION,
                )
            )
        else:
            log.warning("card link dropped: URL longer than %d characters", URL_MAX)
    blocks: list[Block] = []
    for number, start in enumerate(range(0, len(elements), ELEMENTS_PER_ACTIONS)):
        blocks.append(
            ActionsBlock(
                block_id=actions_block_id(number, conversation_key),
                elements=elements[start : start + ELEMENTS_PER_ACTIONS],
            )
        )
    return blocks


def _button(action: CardAction, index: int, stash: Stash) -> ButtonElement | None:
    extra = {INPUTS: [input_spec(i) for i in action.inputs]} if action.inputs else None
    try:
        value = pack(action.values, stash, limit=BUTTON_VALUE_MAX, extra=extra)
    except ValueError:
        log.error("button dropped: action %s cannot be packed", action.action_id)
        return None
    return ButtonElement(
        text=_plain(action.label, BUTTON_TEXT_MAX),
        action_id=action_slack_id(action.action_id, index),
        value=value,
        style=None if action.style == "default" else action.style,
    )


def _select(action: CardAction, index: int) -> StaticSelectElement | None:
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
            Option(
                text=PlainTextObject(text=_plain(field.choice_label(choice), OPTION_TEXT_MAX)),
                value=value,
            )
        )
    if not options:
        log.error("select dropped: action %s has no choice to offer", action.action_id)
        return None
    return StaticSelectElement(
        placeholder=PlainTextObject(text=_plain(action.label, OPTION_TEXT_MAX)),
        action_id=action_slack_id(action.action_id, index),
        options=options,
    )


def _edit_button(card: Card, target: CardAction, stash: Stash) -> ButtonElement | None:
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
    return ButtonElement(text=_plain("Edit", BUTTON_TEXT_MAX), action_id=EDIT_ACTION, value=value)


def _long_text_blocks(text: str) -> list[Block]:
    # Chunked before escaping so an entity is never split; escaping may lengthen a piece.
    pieces = [mrkdwn.trim_escaped(p, TEXT_MAX) for p in mrkdwn.chunks(text, TEXT_MAX - 200)]
    if len(pieces) > MESSAGE_BLOCKS_MAX:
        pieces = pieces[:MESSAGE_BLOCKS_MAX]
        pieces[-1] = mrkdwn.trim(pieces[-1], TEXT_MAX - 1) + mrkdwn.ELLIPSIS
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in pieces]


def _section(text: str, *, escape: bool = True) -> SectionBlock:
    body = mrkdwn.trim_escaped(text, TEXT_MAX) if escape else mrkdwn.trim(text, TEXT_MAX)
    return SectionBlock(text=MarkdownTextObject(text=body))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn.trim_escaped(text, TEXT_MAX))])


def _plain(text: str, limit: int) -> str:
    return mrkdwn.trim(" ".join(text.split()) or "—", limit)


def _to_dicts(blocks: Sequence[Block]) -> tuple[dict[str, Any], ...]:
    # to_dict() runs slack_sdk's validators: a limit we missed raises here, in our tests.
    return tuple(block.to_dict() for block in blocks)
