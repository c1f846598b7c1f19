"""Buttons on the cards: drafts (Create / Edit / Cancel), Add note, Refresh, Close."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bots.slack.modals import CARD_INPUTS_VIEW, NEW_TICKET_VIEW
from bots.slack.packing import Stash
from core.intents import Classification, Intent
from core.messages import ActionInvoked, UserRef
from core.tickets import TicketDraft
from tests.slack.harness import (
    ALICE,
    DM,
    SlackHarness,
    block_actions,
    block_texts,
    button,
    buttons,
    dm_event,
    view_submission,
)

pytestmark = pytest.mark.anyio

ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")
VPN = "the VPN drops every ten minutes"
LONG = ("The VPN drops. " + "Here is the full error log line by line. " * 120).strip()


def script_for(*texts: str) -> dict[str, Classification]:
    return {t: Classification(Intent.CREATE_TICKET, title="VPN drops") for t in texts}


async def draft_in_dm(slack: SlackHarness, text: str) -> dict[str, Any]:
    await slack.event(dm_event(text))
    await slack.settle()
    post = slack.fake.calls_to("chat.postMessage")[-1]
    return {"blocks": post.params["blocks"]}


async def click(
    slack: SlackHarness, blocks: list[dict[str, Any]], action_id: str, *, ts: str, **kw: Any
) -> None:
    element, block_id = button(blocks, action_id)
    await slack.interact(block_actions(element, block_id=block_id, message_ts=ts, **kw))
    await slack.settle()


async def test_create_on_a_draft_files_the_ticket_and_updates_the_card(make_slack) -> None:
    slack = await make_slack(script=script_for(VPN))
    draft = await draft_in_dm(slack, VPN)

    await click(slack, draft["blocks"], "ticket.create.confirm", ts="1700000100.000100")

    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert ticket.description == VPN
    (update,) = slack.fake.calls_to("chat.update")
    assert update.params["channel"] == DM
    assert update.params["ts"] == "1700000100.000100"
    assert "Created ticket" in update.params["text"]
    assert ticket.number in block_texts(update.params["blocks"])
    event = slack.core_calls[-1]
    assert isinstance(event, ActionInvoked) and event.action_id == "ticket.create.confirm"


async def test_draft_buttons_are_create_edit_cancel(make_slack) -> None:
    slack = await make_slack(script=script_for(VPN))
    draft = await draft_in_dm(slack, VPN)

    (actions_block,) = [b for b in draft["blocks"] if b["type"] == "actions"]
    labels = [e["text"]["text"] for e in actions_block["elements"]]
    assert labels == ["Create ticket", "Edit", "Cancel"]


async def test_cancel_on_a_draft_files_nothing(make_slack) -> None:
    slack = await make_slack(script=script_for(VPN))
    draft = await draft_in_dm(slack, VPN)

    await click(slack, draft["blocks"], "ticket.create.cancel", ts="1700000100.000100")

    assert slack.desk.list_open(ALICE_REF) == []
    (update,) = slack.fake.calls_to("chat.update")
    assert "won't open a ticket" in update.params["text"]


async def test_edit_opens_the_form_prefilled_and_submitting_creates_with_the_edits(
    make_slack,
) -> None:
    slack = await make_slack(script=script_for(LONG))
    draft = await draft_in_dm(slack, LONG)
    create, _ = button(draft["blocks"], "ticket.create.confirm")
    assert len(create["value"]) <= 2000  # the long description does not ride in the button

    await click(slack, draft["blocks"], "ticketbot.edit", ts="1700000200.000100")

    (opened,) = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == CARD_INPUTS_VIEW
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["input.title"]["initial_value"] == "VPN drops"
    assert inputs["input.priority"]["initial_option"]["value"] == "Medium"
    assert view["submit"]["text"] == "Create ticket"

    await slack.interact(view_submission(view, {"title": "VPN unusable", "priority": "High"}))
    await slack.settle()

    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert (ticket.title, ticket.priority) == ("VPN unusable", "High")
    assert ticket.description == LONG  # whole, not trimmed
    (update,) = slack.fake.calls_to("chat.update")  # the draft card became the ticket
    assert update.params["ts"] == "1700000200.000100"


async def test_a_long_draft_survives_a_restart_of_the_bot(make_slack) -> None:
    slack = await make_slack(script=script_for(LONG))
    draft = await draft_in_dm(slack, LONG)
    # A restart loses the in-process stash; the core's stored confirmation still has it all.
    slack.adapter.bot.stash = Stash()

    await click(slack, draft["blocks"], "ticket.create.confirm", ts="1700000300.000100")

    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert ticket.description == LONG


async def test_a_lost_draft_that_cannot_be_recovered_is_refused_politely(make_slack) -> None:
    slack = await make_slack(script=script_for(LONG, VPN))
    old = await draft_in_dm(slack, LONG)
    await draft_in_dm(slack, VPN)  # a newer draft replaces the stored confirmation
    slack.adapter.bot.stash = Stash()

    await click(slack, old["blocks"], "ticket.create.confirm", ts="1700000400.000100")

    assert slack.desk.list_open(ALICE_REF) == []  # never a ticket with a truncated text
    notice = slack.fake.calls_to("chat.postEphemeral")[-1]
    assert "no longer available" in notice.params["text"]


async def test_add_note_opens_a_form_and_adds_the_note(make_slack) -> None:
    slack = await make_slack()
    ticket = slack.desk.create(TicketDraft("Printer jam", "Tray 2"), ALICE_REF)
    await slack.event(dm_event(f"ticket status {ticket.id}"))
    await slack.settle()
    card = slack.fake.calls_to("chat.postMessage")[-1].params["blocks"]

    await click(slack, card, "ticket.note.add", ts="1700000500.000100")

    (opened,) = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["title"]["text"] == "Add note"
    (note_input,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert note_input["element"]["multiline"] is True
    assert note_input.get("optional") is False

    await slack.interact(view_submission(view, {"note": "Tried another tray, same."}))
    await slack.settle()

    notes = slack.desk.get(ticket.ref, ALICE_REF).notes
    assert [n.text for n in notes] == ["Tried another tray, same."]
    answer = slack.fake.calls_to("chat.postMessage")[-1]
    assert answer.params["channel"] == DM
    assert "Added your note" in answer.params["text"]
    event = slack.core_calls[-1]
    assert isinstance(event, ActionInvoked)
    assert dict(event.values) == {"ticket": str(ticket.id), "note": "Tried another tray, same."}


async def test_refresh_updates_the_card_in_place(make_slack) -> None:
    slack = await make_slack()
    ticket = slack.desk.create(TicketDraft("Printer jam", "Tray 2"), ALICE_REF)
    await slack.event(dm_event(f"ticket status {ticket.id}"))
    await slack.settle()
    card = slack.fake.calls_to("chat.postMessage")[-1].params["blocks"]
    slack.desk.set_status(ticket.ref, "In Progress")

    await click(slack, card, "ticket.refresh", ts="1700000600.000100")

    (update,) = slack.fake.calls_to("chat.update")
    assert update.params["ts"] == "1700000600.000100"
    assert "In Progress" in block_texts(update.params["blocks"])
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_close_asks_for_confirmation_then_closes(make_slack) -> None:
    slack = await make_slack()
    ticket = slack.desk.create(TicketDraft("Printer jam", "Tray 2"), ALICE_REF)
    await slack.event(dm_event(f"ticket status {ticket.id}"))
    await slack.settle()
    card = slack.fake.calls_to("chat.postMessage")[-1].params["blocks"]

    await click(slack, card, "ticket.close.request", ts="1700000700.000100")

    assert slack.desk.get(ticket.ref, ALICE_REF).is_closed is False
    confirm = slack.fake.calls_to("chat.postMessage")[-1]
    assert f"Close ticket {ticket.number}" in confirm.params["text"]

    await click(slack, confirm.params["blocks"], "ticket.close.confirm", ts="1700000701.000100")

    assert slack.desk.get(ticket.ref, ALICE_REF).is_closed is True
    (update,) = slack.fake.calls_to("chat.update")
    assert update.params["ts"] == "1700000701.000100"
    assert "Complete" in update.params["text"]


async def test_the_help_cards_new_ticket_button_opens_the_form(make_slack) -> None:
    slack = await make_slack()
    await slack.event(dm_event("ticket help"))
    await slack.settle()
    card = slack.fake.calls_to("chat.postMessage")[-1].params["blocks"]

    await click(slack, card, "ticket.new", ts="1700000800.000100")

    (opened,) = slack.fake.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == NEW_TICKET_VIEW
    assert len(slack.core_calls) == 1  # only the help message


async def test_a_button_value_that_is_not_ours_gets_a_polite_answer(make_slack) -> None:
    slack = await make_slack()
    forged = {"action_id": "ticket.refresh~0", "text": {"type": "plain_text", "text": "x"}}
    forged["value"] = "not json"

    reply = await slack.interact(
        block_actions(forged, block_id="ticketbot.actions.0", message_ts="1.2")
    )
    await slack.settle()

    assert reply.status == 200
    assert slack.core_calls == []
    assert "no longer available" in slack.fake.calls_to("chat.postEphemeral")[-1].params["text"]


# Button values and modal metadata before their keys had names (buttons already posted).
_OLD_KEYS = {"values": "v", "stash": "s", "parked": "k", "inputs": "i", "action": "a"}
_OLD_KEYS |= {"label": "l", "destination": "d", "required": "q", "missing": "m"}
_OLD_PLACE = {"team": "t", "user": "u", "channel": "c", "thread": "th", "conversation": "k"}
_OLD_PLACE |= {"response_url": "r", "source_ts": "s", "source_ephemeral": "e", "from_home": "h"}


def as_posted_before(packed: str) -> str:
    doc = {_OLD_KEYS.get(k, k): v for k, v in json.loads(packed).items()}
    if isinstance(doc.get("d"), dict):
        doc["d"] = {_OLD_PLACE.get(k, k): v for k, v in doc["d"].items()}
    return json.dumps(doc)


def one_letter_keys(packed: str) -> list[str]:
    doc = json.loads(packed)
    keys = [k for k in doc if len(k) <= 2]
    place = doc.get("destination") or doc.get("d")
    return keys + [k for k in (place or {}) if len(k) <= 2]


async def test_button_values_and_modal_metadata_use_named_keys(make_slack) -> None:
    slack = await make_slack(script=script_for(LONG))
    draft = await draft_in_dm(slack, LONG)
    values = [element["value"] for element, _ in buttons(draft["blocks"]) if "value" in element]

    await click(slack, draft["blocks"], "ticketbot.edit", ts="1700000500.000100")
    (opened,) = slack.fake.calls_to("views.open")

    assert len(values) == 3
    assert [one_letter_keys(v) for v in values] == [[], [], []]
    assert one_letter_keys(opened.params["view"]["private_metadata"]) == []


async def test_buttons_posted_with_one_letter_keys_still_work(make_slack) -> None:
    slack = await make_slack(script=script_for(LONG))
    draft = await draft_in_dm(slack, LONG)
    old_blocks = json.loads(json.dumps(draft["blocks"]))
    for element, _ in buttons(old_blocks):
        if "value" in element:
            element["value"] = as_posted_before(element["value"])

    await click(slack, old_blocks, "ticketbot.edit", ts="1700000600.000100")
    (opened,) = slack.fake.calls_to("views.open")
    view = dict(opened.params["view"])
    view["private_metadata"] = as_posted_before(view["private_metadata"])
    await slack.interact(view_submission(view, {"title": "VPN unusable", "priority": "High"}))
    await slack.settle()

    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert (ticket.title, ticket.priority) == ("VPN unusable", "High")
    assert ticket.description == LONG
    (update,) = slack.fake.calls_to("chat.update")
    assert update.params["ts"] == "1700000600.000100"
