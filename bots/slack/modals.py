"""Modals (pure rendering): the new-ticket form, and a form for a card action's inputs (Add
note, or Edit on a drafted ticket). Submitted values come back under the core's input ids
(see :func:`bots.slack.translate.view_state_values`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bots.slack import mrkdwn
from core import actions
from core.cards import PRIORITY_CHOICES, TITLE_MAX
from core.messages import CardInput
from core.tickets import Priority

NEW_TICKET_VIEW = "ticketbot.new_ticket"
CARD_INPUTS_VIEW = "ticketbot.card_inputs"

MODAL_TITLE_MAX = 24
INPUT_MAX = 3000  # plain_text_input's own ceiling
LABEL_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
VALUE_ELEMENT = "value"


def input_block_id(input_id: str) -> str:
    return f"input.{input_id}"


def new_ticket_modal(
    private_metadata: str,
    *,
    title: str = "",
    description: str = "",
    priority: str = Priority.MEDIUM.value,
) -> dict[str, Any]:
    """Title, description and priority; submitted as the core's ``NEW_TICKET`` action."""
    fields = (
        CardInput(actions.INPUT_TITLE, "Title", title, max_length=TITLE_MAX, required=True),
        CardInput(
            actions.INPUT_DESCRIPTION,
            "Description",
            description,
            multiline=True,
            max_length=INPUT_MAX,
        ),
        CardInput(actions.INPUT_PRIORITY, "Priority", priority, choices=PRIORITY_CHOICES),
    )
    return _modal(NEW_TICKET_VIEW, "New ticket", "Create", fields, private_metadata)


def card_inputs_modal(
    title: str, submit: str, fields: Sequence[CardInput], private_metadata: str
) -> dict[str, Any]:
    """A form for the inputs of one card action. A value too long to edit in Slack (a long
    description) is shown, not offered for editing, and passes through unchanged."""
    return _modal(CARD_INPUTS_VIEW, title, submit, fields, private_metadata)


def editable(field: CardInput) -> bool:
    return len(field.value) <= min(field.max_length, INPUT_MAX)


def _modal(
    callback_id: str,
    title: str,
    submit: str,
    fields: Sequence[CardInput],
    private_metadata: str,
) -> dict[str, Any]:
    blocks: list[Block] = []
    for field in fields:
        if editable(field):
            blocks.append(_input(field))
        else:
            blocks.append(
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=mrkdwn.trim(
                                f"*{mrkdwn.escape(field.label)}* (kept as written, "
                                f"{len(field.value):,} characters): "
                                + mrkdwn.trim_escaped(field.value, 2000),
                                INPUT_MAX,
                            )
                        )
                    ]
                )
            )
    view = View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=_short(title)),
        submit=PlainTextObject(text=_short(submit)),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
        private_metadata=private_metadata,
    )
    return view.to_dict()  # validates Slack's limits


def _input(field: CardInput) -> InputBlock:
    element: PlainTextInputElement | StaticSelectElement
    if field.choices:
        options = [
            Option(
                text=PlainTextObject(text=mrkdwn.trim(field.choice_label(choice), OPTION_TEXT_MAX)),
                value=choice[:OPTION_VALUE_MAX],
            )
            for choice in field.choices[:OPTIONS_MAX]
        ]
        initial = next((o for o in options if o.value == field.value), None)
        element = StaticSelectElement(
            action_id=VALUE_ELEMENT, options=options, initial_option=initial
        )
    else:
        element = PlainTextInputElement(
            action_id=VALUE_ELEMENT,
            multiline=field.multiline,
            max_length=min(field.max_length, INPUT_MAX),
            initial_value=field.value or None,
        )
    return InputBlock(
        block_id=input_block_id(field.input_id),
        label=PlainTextObject(text=mrkdwn.trim(field.label, LABEL_MAX)),
        element=element,
        optional=not field.required and not field.choices,
    )


def _short(text: str) -> str:
    return mrkdwn.trim(" ".join(text.split()) or "Ticket", MODAL_TITLE_MAX)
