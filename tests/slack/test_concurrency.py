"""The same request arriving several times at once (Slack's retries racing the first delivery,
a double click on Create): one ticket, one answer, and nothing public for the extra ones."""

from __future__ import annotations

import asyncio

import pytest

from core.intents import Classification, Intent
from core.messages import UserRef
from tests.slack.harness import ALICE, SlackHarness, block_actions, button, dm_event

pytestmark = pytest.mark.anyio

ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")
VPN = "the VPN drops every ten minutes"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops")}


async def test_one_event_delivered_five_times_at_once_files_one_ticket(make_slack) -> None:
    slack: SlackHarness = await make_slack()
    event = dm_event("ticket new Printer on fire")

    replies = await asyncio.gather(
        *(slack.event(event, event_id="EvSAME0001", retry=n or None) for n in range(5))
    )
    await slack.settle()

    assert [r.status for r in replies] == [200] * 5
    assert len(slack.desk.list_open(ALICE_REF)) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def _draft(slack: SlackHarness) -> tuple[dict[str, object], str]:
    await slack.event(dm_event(VPN))
    await slack.settle()
    blocks = slack.fake.calls_to("chat.postMessage")[-1].params["blocks"]
    return button(blocks, "ticket.create.confirm")


async def test_two_clicks_on_create_at_once_file_one_ticket_and_answer_once(make_slack) -> None:
    slack: SlackHarness = await make_slack(script=SCRIPT)
    create, block_id = await _draft(slack)
    before = len(slack.fake.calls_to("chat.postMessage"))

    clicks = [block_actions(create, block_id=block_id, message_ts="1.000100") for _ in range(2)]
    replies = await asyncio.gather(*(slack.interact(click) for click in clicks))
    await slack.settle()

    assert [r.status for r in replies] == [200, 200]
    assert len(slack.desk.list_open(ALICE_REF)) == 1
    # One public answer (the created ticket); an extra click adds no public message.
    public = slack.fake.calls_to("chat.postMessage")[before:]
    updates = slack.fake.calls_to("chat.update")
    assert len(public) + len(updates) + len(slack.fake.responses) == 1, (public, updates)


async def test_an_extra_click_after_the_ticket_was_filed_posts_nothing_public(make_slack) -> None:
    slack: SlackHarness = await make_slack(script=SCRIPT)
    create, block_id = await _draft(slack)
    await slack.interact(block_actions(create, block_id=block_id, message_ts="1.000100"))
    await slack.settle()
    answered = len(slack.fake.calls_to("chat.postMessage")) + len(
        slack.fake.calls_to("chat.update")
    )

    await slack.interact(block_actions(create, block_id=block_id, message_ts="1.000100"))
    await slack.settle()

    assert len(slack.desk.list_open(ALICE_REF)) == 1
    after = len(slack.fake.calls_to("chat.postMessage")) + len(slack.fake.calls_to("chat.update"))
    assert after == answered  # nothing public; at most an ephemeral note
