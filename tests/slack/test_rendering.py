"""Block Kit rendering on its own: every card of the core, Slack's limits, escaping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bots.slack.blocks import (
    EDIT_ACTION,
    LINK_ACTION,
    core_action_id,
    input_from_spec,
    render_reply,
)
from bots.slack.destination import conversation_key_from_block_id
from bots.slack.home import HOME_NEW_TICKET_ACTION, home_view
from bots.slack.modals import card_inputs_modal, new_ticket_modal
from bots.slack.packing import ACTION, INPUTS, Stash, unpack
from core import actions
from core.cards import close_confirm_card, draft_card, help_card, ticket_card, ticket_list_card
from core.messages import Card, CardAction, CardField, CardInput, CardLink, CardNote, Reply
from core.tickets import Note, Priority, Ticket, TicketDraft
from tests.fakes.slack_api import validate_message_blocks, validate_view

NOW = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)


def a_ticket(**changes: Any) -> Ticket:
    values: dict[str, Any] = {
        "id": 48213,
        "number": "T20261104.0031",
        "title": "VPN drops every ten minutes",
        "status": "In Progress",
        "priority": "High",
        "description": "Since the update on Monday.",
        "last_activity_at": NOW,
        "assignee": "Sam Tech",
        "notes": (
            Note("Sam Tech", "Can you send the log?", NOW - timedelta(hours=2)),
            Note("Alice", "Attached <log> & more", NOW - timedelta(hours=1)),
        ),
        "web_url": "https://ww15.autotask.net/Mvc/ServiceDesk/TicketDetail.mvc?ticketId=48213",
    }
    values.update(changes)
    return Ticket(**values)


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parse every block back with slack_sdk and run its validators (Slack's limits)."""
    assert validate_message_blocks(blocks) is None, validate_message_blocks(blocks)
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None
        parsed.validate_json()
    return blocks


def rendered(reply: Reply, stash: Stash | None = None, key: str | None = None) -> Any:
    message = render_reply(reply, Stash() if stash is None else stash, conversation_key=key)
    assert message.text
    return message


def texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_a_ticket_card_shows_what_the_issue_asks_for() -> None:
    message = rendered(Reply("Ticket T20261104.0031", card=ticket_card(a_ticket())))
    blocks = valid(list(message.blocks))

    shown = texts(blocks)
    for expected in (
        "T20261104.0031",
        "VPN drops every ten minutes",
        "In Progress",
        "High",
        "Sam Tech",
        "Last activity",
        "Latest notes",
        "Can you send the log?",
        "Attached &lt;log&gt; &amp; more",  # people's text is escaped for mrkdwn
        "<!date^",
    ):
        assert expected in shown
    assert blocks[0]["type"] == "header"
    buttons = blocks[-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == [
        "Add note",
        "Refresh",
        "Close",
        "Open in Autotask",
    ]
    assert buttons[2]["style"] == "danger"
    assert buttons[3]["action_id"] == LINK_ACTION and buttons[3]["url"].startswith("https://")
    assert [core_action_id(b["action_id"]) for b in buttons[:3]] == [
        actions.ADD_NOTE,
        actions.REFRESH,
        actions.CLOSE_REQUEST,
    ]


def test_a_closed_ticket_has_no_close_button_and_no_link_without_url() -> None:
    card = ticket_card(a_ticket(is_closed=True, status="Complete", web_url=None))
    blocks = valid(list(rendered(Reply("done", card=card)).blocks))
    labels = [b["text"]["text"] for b in blocks[-1]["elements"]]
    assert labels == ["Add note", "Refresh", "Reopen"]


@pytest.mark.parametrize(
    "card",
    [
        draft_card(TicketDraft("Printer", "Tray 2 jams", Priority.LOW), "d1"),
        close_confirm_card(a_ticket()),
        ticket_list_card([a_ticket(id=i, number=f"T20261104.{i:04d}") for i in range(1, 11)]),
        help_card(),
    ],
    ids=["draft", "close_confirm", "ticket_list", "help"],
)
def test_every_card_kind_renders_valid_block_kit(card: Card) -> None:
    blocks = valid(list(rendered(Reply("fallback text", card=card)).blocks))
    assert blocks[0]["type"] == "header"
    assert any(b["type"] == "actions" for b in blocks)


def test_the_draft_card_gets_create_edit_cancel_and_edit_carries_the_inputs() -> None:
    stash = Stash()
    card = draft_card(TicketDraft("Printer", "Tray 2 jams", Priority.LOW), "d1")
    blocks = valid(list(rendered(Reply("draft", card=card), stash).blocks))

    elements = blocks[-1]["elements"]
    assert [e["text"]["text"] for e in elements] == ["Create ticket", "Edit", "Cancel"]
    edit = unpack(elements[1]["value"], stash)
    assert elements[1]["action_id"] == EDIT_ACTION
    assert edit.extra[ACTION] == actions.CREATE_CONFIRM
    assert [input_from_spec(s).input_id for s in edit.extra[INPUTS]] == ["title", "priority"]
    assert edit.values == {
        "draft_id": "d1",
        "title": "Printer",
        "description": "Tray 2 jams",
        "priority": "Low",
    }


def test_long_text_is_trimmed_with_an_ellipsis_never_rejected() -> None:
    huge = "x" * 12_000
    ticket = a_ticket(
        title="T" * 400,
        description=huge,
        notes=tuple(Note("A" * 300, huge, NOW) for _ in range(3)),
        assignee="S" * 3000,
    )
    message = rendered(Reply(huge, card=ticket_card(ticket)))
    blocks = valid(list(message.blocks))

    assert len(message.text) <= 3000 and message.text.endswith("…")
    header = blocks[0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…")
    body = next(b for b in blocks if b["type"] == "section" and "text" in b)
    assert len(body["text"]["text"]) <= 3000 and body["text"]["text"].endswith("…")
    for block in blocks:
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000


def test_a_long_description_in_a_draft_stays_whole_in_the_stash() -> None:
    stash = Stash()
    description = "word " * 2000  # 10,000 characters
    card = draft_card(TicketDraft("Printer", description), "d1")
    blocks = valid(list(rendered(Reply("draft", card=card), stash).blocks))

    create = blocks[-1]["elements"][0]
    assert len(create["value"]) <= 2000
    assert unpack(create["value"], stash).values["description"] == description
    assert unpack(create["value"], Stash()).missing == ("description",)


def test_many_fields_and_notes_stay_within_fifty_blocks_with_the_buttons_last() -> None:
    card = Card(
        title="Busy",
        fields=tuple(CardField(f"F{i}", f"v{i}") for i in range(35)),
        notes=tuple(CardNote("n", f"note {i}", NOW) for i in range(80)),
        actions=tuple(CardAction(actions.REFRESH, f"B{i}", {"ticket": str(i)}) for i in range(30)),
        link=CardLink("Open", "https://example.com/t/1"),
    )
    blocks = valid(list(rendered(Reply("busy", card=card)).blocks))

    assert len(blocks) <= 50
    assert blocks[-1]["type"] == "actions" and blocks[-2]["type"] == "actions"  # 31 buttons
    assert sum(len(b["elements"]) for b in blocks if b["type"] == "actions") == 31
    field_sections = [b for b in blocks if b.get("fields")]
    assert [len(b["fields"]) for b in field_sections] == [10, 10, 10, 5]
    assert "more in the full ticket" in texts(blocks)


def test_a_long_plain_reply_is_split_into_sections() -> None:
    text = "\n".join(f"line {i}: " + "y" * 80 for i in range(3000))  # ~270,000 characters
    message = rendered(Reply(text))
    blocks = valid(list(message.blocks))
    assert len(blocks) == 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert blocks[-1]["text"]["text"].endswith("…")


def test_a_short_plain_reply_is_just_text_escaped() -> None:
    message = rendered(Reply("Use <b> & <i>"))
    assert message.blocks == ()
    assert message.text == "Use &lt;b&gt; &amp; &lt;i&gt;"


def test_the_conversation_key_rides_in_the_actions_block_id() -> None:
    message = rendered(Reply("t", card=ticket_card(a_ticket())), key="1700000000.000100")
    (actions_block,) = [b for b in message.blocks if b["type"] == "actions"]
    assert conversation_key_from_block_id(actions_block["block_id"]) == "1700000000.000100"


def test_modals_validate_and_keep_an_uneditable_long_value() -> None:
    long_value = "z" * 5000
    view = card_inputs_modal(
        "A very long modal title that Slack would refuse",
        "Submit this please now ok",
        [
            CardInput("title", "Title", "Printer", max_length=100, required=True),
            CardInput("description", "Description", long_value, multiline=True),
            CardInput("priority", "Priority", "High", choices=("Low", "Medium", "High")),
        ],
        "{}",
    )
    assert validate_view(view) is None
    View(**view).validate_json()
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    kinds = [b["type"] for b in view["blocks"]]
    assert kinds == ["input", "context", "input"]  # the long description is shown, not edited
    assert view["blocks"][2]["element"]["initial_option"]["value"] == "High"

    new = new_ticket_modal("{}")
    assert validate_view(new) is None
    assert [b["block_id"] for b in new["blocks"]] == [
        "input.title",
        "input.description",
        "input.priority",
    ]


def test_home_validates_with_many_tickets() -> None:
    tickets = [a_ticket(id=i, number=f"T20261104.{i:04d}") for i in range(1, 80)]
    view = home_view(tickets, Stash())
    assert validate_view(view) is None
    assert len(view["blocks"]) <= 100
    assert "more" in texts(view["blocks"])
    assert view["blocks"][1]["elements"][0]["action_id"] == HOME_NEW_TICKET_ACTION

    problem = home_view([], Stash(), problem="The help desk system isn't answering <now>.")
    assert validate_view(problem) is None
    assert "&lt;now&gt;" in texts(problem["blocks"])
