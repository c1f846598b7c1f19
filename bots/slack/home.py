"""App Home (pure rendering): the person's open tickets and a "New ticket" button."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bots.slack import mrkdwn
from bots.slack.blocks import TEXT_MAX, action_slack_id, input_spec
from bots.slack.packing import BUTTON_VALUE_MAX, INPUTS, Stash, pack
from core import actions
from core.cards import ticket_card
from core.tickets import Ticket

HOME_NEW_TICKET_ACTION = "ticketbot.home.new_ticket"
HOME_BLOCKS_MAX = 100
BLOCKS_PER_TICKET = 2


def home_view(
    tickets: Sequence[Ticket], stash: Stash, *, problem: str | None = None
) -> dict[str, Any]:
    """The Home tab. ``problem`` (a polite message) replaces the list when it could not be read."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Your open tickets")),
        ActionsBlock(
            block_id="ticketbot.home",
            elements=[
                ButtonElement(
                    text=PlainTextObject(text="New ticket"),
                    action_id=HOME_NEW_TICKET_ACTION,
                    style="primary",
                )
            ],
        ),
        DividerBlock(),
    ]
    if problem is not None:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=mrkdwn.trim_escaped(problem, TEXT_MAX)))
        )
    elif not tickets:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="You have no open tickets. Press *New ticket* or send me a message "
                    "when something needs fixing."
                )
            )
        )
    room = (HOME_BLOCKS_MAX - len(blocks) - 1) // BLOCKS_PER_TICKET
    for index, ticket in enumerate(tickets[:room]):
        blocks.extend(_ticket_blocks(ticket, index, stash))
    if len(tickets) > room:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"… and {len(tickets) - room} more.")])
        )
    return View(type="home", blocks=blocks).to_dict()  # validates Slack's limits


def _ticket_blocks(ticket: Ticket, index: int, stash: Stash) -> list[Block]:
    heading = f"*{mrkdwn.escape(ticket.number)}* · {mrkdwn.escape(ticket.title)}"
    if ticket.web_url:
        heading = f"{mrkdwn.link(ticket.web_url, ticket.number)} · {mrkdwn.escape(ticket.title)}"
    details = [
        ticket.status,
        f"priority {ticket.priority}",
        f"assigned to {ticket.assignee}" if ticket.assignee else "not assigned yet",
    ]
    text = mrkdwn.trim(f"{heading}\n{mrkdwn.escape(', '.join(details))}", TEXT_MAX)
    note = next(a for a in ticket_card(ticket).actions if a.action_id == actions.ADD_NOTE)
    button = ButtonElement(
        text=PlainTextObject(text=note.label),
        action_id=action_slack_id(note.action_id, index),
        value=pack(
            note.values,
            stash,
            limit=BUTTON_VALUE_MAX,
            extra={INPUTS: [input_spec(i) for i in note.inputs]},
        ),
    )
    return [SectionBlock(text=MarkdownTextObject(text=text), accessory=button), DividerBlock()]
