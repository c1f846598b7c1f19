"""``/ticket``, the new-ticket modal and the message shortcut."""

from __future__ import annotations

import pytest

from bots.slack.modals import NEW_TICKET_VIEW
from core.messages import ActionInvoked, InboundMessage, UserRef
from core.tickets import TicketDraft
from tests.slack.harness import (
    ALICE,
    BOB,
    CHANNEL,
    block_actions,
    block_texts,
    button,
    dm_event,
    message_action,
    view_submission,
)

pytestmark = pytest.mark.anyio

ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")


async def test_ticket_status_answers_privately_with_the_ticket_card(make_slack) -> None:
    slack = await make_slack()
    ticket = slack.desk.create(TicketDraft("Laptop fan is loud", "It whirs all day."), ALICE_REF)

    reply = await slack.command(f"status {ticket.id}")
    await slack.settle()

    assert reply.status == 200
    assert reply.text == ""  # an empty acknowledgement; the answer follows
    (answer,) = slack.fake.responses
    assert answer.name == "cmd"
    assert answer.body["response_type"] == "ephemeral"
    assert ticket.number in answer.body["text"]
    shown = block_texts(answer.body["blocks"])
    assert "Laptop fan is loud" in shown
    assert "Status" in shown and "New" in shown
    assert "Priority" in shown and "Assigned to" in shown and "Last activity" in shown
    for action in ("ticket.note.add", "ticket.refresh", "ticket.close.request"):
        button(answer.body["blocks"], action)
    (event,) = slack.core_calls
    assert isinstance(event, InboundMessage)
    assert event.text == f"/ticket status {ticket.id}"
    assert event.conversation.channel_id == CHANNEL
    assert slack.fake.posted() == []  # nothing public in the channel


async def test_every_verb_of_the_grammar_reaches_the_core(make_slack) -> None:
    slack = await make_slack()
    ticket = slack.desk.create(TicketDraft("Mouse", "Broken"), ALICE_REF)
    commands = [
        "help",
        "list",
        f"note {ticket.id} it also squeaks",
        f"close {ticket.id}",
        "new Printer on floor 3 is jammed --priority High",
        "frobnicate 12",
        "",
    ]
    for text in commands:
        await slack.command(text)
        await slack.settle()

    texts = [r.body["text"] for r in slack.fake.responses]
    assert len(texts) == len(commands)
    assert "Commands" in texts[0] or "ticket status" in texts[0]
    assert ticket.number in texts[1]
    assert "Added your note" in texts[2]
    assert f"Close ticket {ticket.number}" in texts[3]
    assert "Created ticket" in texts[4]
    assert "Usage" in texts[5] and "frobnicate" in texts[5]
    assert "Usage" in texts[6]
    assert slack.desk.get(ticket.ref, ALICE_REF).notes[-1].text == "it also squeaks"
    created = [t for t in slack.desk.list_open(ALICE_REF) if t.id != ticket.id]
    assert [(t.title, t.priority) for t in created] == [("Printer on floor 3 is jammed", "High")]


async def test_ticket_new_alone_opens_the_form_before_the_core_runs(make_slack) -> None:
    slack = await make_slack()

    reply = await slack.command("new", trigger_id="trig.new.1")
    await slack.settle()

    assert reply.status == 200
    assert slack.core_calls == []
    (opened,) = slack.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == "trig.new.1"
    view = opened.params["view"]
    assert view["callback_id"] == NEW_TICKET_VIEW
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Title", "Description", "Priority"]

    await slack.interact(
        view_submission(
            view,
            {"title": "Monitor flickers", "description": "Since Monday.", "priority": "High"},
        )
    )
    await slack.settle()

    (event,) = slack.core_calls
    assert isinstance(event, ActionInvoked)
    assert event.action_id == "ticket.new"
    assert dict(event.values) == {
        "title": "Monitor flickers",
        "description": "Since Monday.",
        "priority": "High",
    }
    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert (ticket.title, ticket.description, ticket.priority) == (
        "Monitor flickers",
        "Since Monday.",
        "High",
    )
    (answer,) = slack.fake.responses  # back where /ticket was typed, privately
    assert answer.name == "cmd"
    assert "Created ticket" in answer.body["text"]


async def test_a_blank_title_is_refused_inside_the_form(make_slack) -> None:
    slack = await make_slack()
    await slack.command("new")
    await slack.settle()
    view = slack.fake.calls_to("views.open")[0].params["view"]

    reply = await slack.interact(view_submission(view, {"title": "   ", "priority": "Low"}))
    await slack.settle()

    assert reply.status == 200
    assert '"response_action": "errors"' in reply.text or '"response_action":"errors"' in (
        reply.text
    )
    assert "input.title" in reply.text
    assert slack.core_calls == []


async def test_the_message_shortcut_drafts_a_ticket_from_the_message(make_slack) -> None:
    slack = await make_slack()
    text = "Outlook keeps asking for my password &amp; then crashes"

    reply = await slack.interact(
        message_action(text, response_url=slack.fake.response_url("shortcut"))
    )
    await slack.settle()

    assert reply.status == 200
    (event,) = slack.core_calls
    assert isinstance(event, ActionInvoked)
    assert event.action_id == "ticket.new"
    assert dict(event.values) == {
        "description": "Outlook keeps asking for my password & then crashes"
    }
    (draft,) = slack.fake.responses
    assert draft.name == "shortcut"
    assert draft.body["response_type"] == "ephemeral"
    create, block_id = button(draft.body["blocks"], "ticket.create.confirm")

    # Create, on the ephemeral card: the answer replaces it through the new response_url.
    await slack.interact(
        block_actions(
            create,
            block_id=block_id,
            channel=CHANNEL,
            message_ts="1700003000.000100",
            ephemeral=True,
            response_url=slack.fake.response_url("click"),
        )
    )
    await slack.settle()

    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert ticket.description == "Outlook keeps asking for my password & then crashes"
    done = slack.fake.responses[-1]
    assert done.name == "click"
    assert done.body["replace_original"] is True
    assert "Created ticket" in done.body["text"]
    # The click continued the person's private conversation of the shortcut.
    assert slack.core_calls[1].conversation == slack.core_calls[0].conversation
    assert slack.fake.posted() == []


async def test_slack_entities_in_the_command_text_are_unescaped(make_slack) -> None:
    """Slack escapes ``& < >`` in slash-command text as it does in messages."""
    slack = await make_slack()

    await slack.command("new R&amp;D printer &lt;3rd floor&gt; jams")
    await slack.settle()

    (created,) = slack.desk.list_open(ALICE_REF)
    assert created.title == "R&D printer <3rd floor> jams"
    (event,) = slack.core_calls
    assert isinstance(event, InboundMessage)
    assert event.text == "/ticket new R&D printer <3rd floor> jams"


async def test_mentions_in_the_shortcuts_message_become_names(make_slack) -> None:
    """Slack writes a mention as ``<@U…>``: the ticket shows the person's name, not the id."""
    slack = await make_slack()
    text = f"<@{BOB}> can't print since Monday, ask <@{ALICE}> or <@UGONE0001>"

    await slack.interact(message_action(text, response_url=slack.fake.response_url("shortcut")))
    await slack.settle()

    (event,) = slack.core_calls
    assert isinstance(event, ActionInvoked)
    # A person Slack cannot find (users.info fails) keeps the id: nothing is dropped.
    assert event.values["description"] == (
        "@Bob Example can't print since Monday, ask @Alice Example or @UGONE0001"
    )


async def test_mentions_in_a_direct_message_become_names(make_slack) -> None:
    slack = await make_slack()

    await slack.event(dm_event(f"ticket new give <@{BOB}> access to the share"))
    await slack.settle()

    (event,) = slack.core_calls
    assert isinstance(event, InboundMessage)
    assert event.text == "ticket new give @Bob Example access to the share"
    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert ticket.title == "Give @Bob Example access to the share"


async def test_a_command_whose_words_include_payload_is_answered(make_slack) -> None:
    """Bolt reads any form containing "payload" as an interaction (and finds it empty): a
    slash command is read by its fields whatever its words."""
    slack = await make_slack()

    reply = await slack.command("new the payload field of the export is empty")
    await slack.settle()

    assert reply.status == 200
    (created,) = slack.desk.list_open(ALICE_REF)
    assert created.title == "The payload field of the export is empty"
