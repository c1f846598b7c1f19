"""The triage channel in Slack, end to end: the real server (Bolt, signed requests), the
loopback Slack Web API and the loopback Autotask tenant. A ticket an end user files appears in
the triage channel; Take / Assign / Priority / Status change the Autotask ticket as the
technician (``ImpersonationResourceId``) and edit the same message; a change made in Autotask
itself edits it too; a reply under the card is an internal note the requester never sees."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bots.updates.mount import UPDATES_JOB_KEY
from core import actions
from tests.fakes.autotask_server import FakeAutotask
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import (
    ALICE,
    CHANNEL,
    DM,
    SlackHarness,
    block_actions,
    block_texts,
    channel_message,
    dm_event,
    view_submission,
)
from tests.triage.harness import (
    TESS,
    TRIAGE,
    card_elements,
    channel_click,
    pick,
    posted_blocks,
    slack_fields,
    start_slack,
    triage_job,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server(
    tmp_path: Path, slack: FakeSlackApi, tenant: FakeAutotask
) -> AsyncIterator[SlackHarness]:
    harness = await start_slack(tmp_path, slack, autotask=tenant, updates_poll_seconds=60)
    # The tests drive the background jobs' rounds themselves.
    await triage_job(harness).stop()
    await harness.app[UPDATES_JOB_KEY].stop()
    yield harness
    await harness.close()


def _triage_posts(slack: FakeSlackApi) -> list[Any]:
    return [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == TRIAGE and not c.params.get("thread_ts")
    ]


def _updates(slack: FakeSlackApi) -> list[Any]:
    return [c for c in slack.calls_to("chat.update") if c.params["channel"] == TRIAGE]


async def _filed(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> tuple[int, str]:
    """Alice files a ticket in her DM; the triage job posts its card. (ticket id, card ts)"""
    await server.event(dm_event("ticket new VPN drops every hour"))
    await server.settle()
    await triage_job(server).tick()
    assert len(_triage_posts(slack)) == 1
    ticket_id = max(tenant.tickets)
    assert server.runtime.triage is not None
    [card] = server.runtime.triage.board.cards(ticket_id)
    assert card.message_ref is not None
    return ticket_id, card.message_ref


async def _click(server: SlackHarness, payload: dict[str, Any]) -> None:
    answer = await server.interact(payload)
    assert answer.status == 200
    await server.settle()


async def test_a_ticket_filed_by_an_end_user_appears_in_the_triage_channel(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, _ = await _filed(server, slack, tenant)

    [post] = _triage_posts(slack)
    texts = block_texts(posted_blocks(post))
    assert "VPN drops every hour" in texts
    assert "Alice Example" in texts
    assert "example.com" in texts  # the company
    assert "Nobody yet" in texts
    elements = card_elements(posted_blocks(post))
    assert set(elements) >= {
        actions.TRIAGE_TAKE,
        actions.TRIAGE_ASSIGN,
        actions.TRIAGE_PRIORITY,
        actions.TRIAGE_STATUS,
        actions.TRIAGE_NOTE,
    }
    link = next(e for e in elements.values() if e.get("url"))
    assert f"OpenTicketDetail&TicketID={ticket_id}" in link["url"]
    await triage_job(server).tick()
    assert len(_triage_posts(slack)) == 1  # posted once


async def test_take_assign_priority_and_status_change_autotask_and_edit_the_same_message(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, ts = await _filed(server, slack, tenant)
    job = triage_job(server)
    card = card_elements(posted_blocks(_triage_posts(slack)[0]))
    tenant.reset_log()

    await _click(server, channel_click(card[actions.TRIAGE_TAKE], message_ts=ts))
    await job.tick()
    [patch] = tenant.calls("PATCH", "Tickets")
    assert patch.impersonation == str(tenant.ids["tess"])
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["tess"]
    [edit] = _updates(slack)
    assert edit.params["ts"] == ts
    assert slack_fields(posted_blocks(edit))["Assigned to"] == "Tess Tech"

    card = card_elements(posted_blocks(edit))
    assign = card[actions.TRIAGE_ASSIGN]
    await _click(server, channel_click(assign, message_ts=ts, option=pick(assign, "Jordan Lee")))
    await job.tick()
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["jordan"]

    priority = card[actions.TRIAGE_PRIORITY]
    await _click(server, channel_click(priority, message_ts=ts, option=pick(priority, "Critical")))
    await job.tick()
    status = card[actions.TRIAGE_STATUS]
    await _click(server, channel_click(status, message_ts=ts, option=pick(status, "In Progress")))
    await job.tick()

    writes = tenant.calls("PATCH", "Tickets")
    assert len(writes) == 4
    assert all(w.impersonation == str(tenant.ids["tess"]) for w in writes)
    edits = _updates(slack)
    assert [e.params["ts"] for e in edits] == [ts] * len(edits)
    assert len(edits) == 4
    final = slack_fields(posted_blocks(edits[-1]))
    assert final["Assigned to"] == "Jordan Lee"
    assert final["Status"] == "In Progress"
    assert final["Priority"] == "Critical"
    assert len(_triage_posts(slack)) == 1  # never a second card
    # The bot's own answers stay short and in the card's thread.
    answers = [c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert all(len(str(a.params["text"])) < 200 for a in answers)


async def test_a_double_click_on_take_changes_the_ticket_once(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    _, ts = await _filed(server, slack, tenant)
    take = card_elements(posted_blocks(_triage_posts(slack)[0]))[actions.TRIAGE_TAKE]
    tenant.reset_log()

    await _click(server, channel_click(take, message_ts=ts))
    await _click(server, channel_click(take, message_ts=ts))

    assert len(tenant.calls("PATCH", "Tickets")) == 1


async def test_a_change_made_in_autotask_edits_the_card(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, ts = await _filed(server, slack, tenant)
    ticket = tenant.tickets[ticket_id]
    ticket["assignedResourceID"] = tenant.ids["jordan"]
    tenant.add_note(ticket_id, "Looking into it", publish=1, creator=tenant.ids["jordan"])

    kit = server.runtime.updates
    assert kit is not None and kit.poller is not None
    assert await asyncio.to_thread(kit.poller.poll) == 1  # the poll finds it: a signal
    await triage_job(server).tick()

    [edit] = _updates(slack)
    assert edit.params["ts"] == ts
    assert slack_fields(posted_blocks(edit))["Assigned to"] == "Jordan Lee"


async def test_a_closed_tickets_card_collapses(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, ts = await _filed(server, slack, tenant)

    await server.event(dm_event(f"ticket close {ticket_id}"))
    await server.settle()
    for call in slack.calls_to("chat.postMessage")[::-1]:
        blocks = posted_blocks(call)
        if call.params["channel"] == DM and blocks:
            confirm = card_elements(blocks).get(actions.CLOSE_CONFIRM)
            if confirm is not None:
                break
    else:
        raise AssertionError("no close confirmation")
    await _click(
        server,
        block_actions(confirm, block_id=confirm["block_id"], message_ts="1700000999.000100"),
    )
    await triage_job(server).tick()

    [edit] = _updates(slack)
    assert edit.params["ts"] == ts
    blocks = posted_blocks(edit)
    assert [b["type"] for b in blocks] == ["header"]


async def test_a_reply_under_the_card_is_an_internal_note_the_requester_never_sees(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, ts = await _filed(server, slack, tenant)
    alice_before = [c for c in slack.posted() if c.params.get("channel") == DM]

    tenant.reset_log()

    await server.event(
        channel_message("Firewall rule 12 is wrong", user=TESS, channel=TRIAGE, thread_ts=ts)
    )
    await server.event(
        channel_message("/public Please restart the VPN", user=TESS, channel=TRIAGE, thread_ts=ts)
    )
    await server.settle()
    kit = server.runtime.updates
    assert kit is not None and kit.poller is not None
    await asyncio.to_thread(kit.poller.poll)  # the update events: Alice hears what is public
    await server.app[UPDATES_JOB_KEY].tick()

    notes = [n for n in tenant.notes.values() if n["ticketID"] == ticket_id]
    [internal] = [n for n in notes if "Firewall rule 12" in n["description"]]
    [public] = [n for n in notes if "Please restart" in n["description"]]
    assert internal["publish"] != 1 and public["publish"] == 1  # 1: "All"
    writes = tenant.calls("POST", rf"Tickets/{ticket_id}/Notes")
    assert [w.impersonation for w in writes] == [str(tenant.ids["tess"])] * 2
    told = str(
        [c.params for c in slack.posted() if c.params.get("channel") == DM][len(alice_before) :]
    )
    assert "Please restart the VPN" in told
    assert "Firewall" not in told
    answers = [c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert answers and all(len(str(a.params["text"])) < 200 for a in answers)


async def test_ordinary_channel_chatter_never_reaches_the_core(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    _, ts = await _filed(server, slack, tenant)
    calls = len(server.core_calls)

    await server.event(channel_message("lunch?", user=TESS, channel=TRIAGE))
    await server.event(
        channel_message("in another thread", user=TESS, channel=TRIAGE, thread_ts="1.1")
    )
    await server.event(channel_message("elsewhere", user=ALICE, channel=CHANNEL, thread_ts=ts))
    await server.settle()

    assert len(server.core_calls) == calls


async def test_the_note_button_asks_who_sees_it_and_defaults_to_internal(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, ts = await _filed(server, slack, tenant)
    note = card_elements(posted_blocks(_triage_posts(slack)[0]))[actions.TRIAGE_NOTE]

    await _click(server, channel_click(note, message_ts=ts))
    [opened] = slack.calls_to("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    visibility = next(b for b in view["blocks"] if b["block_id"] == f"input.{actions.PUBLIC}")
    assert visibility["element"]["initial_option"]["value"] == "false"
    assert [o["text"]["text"] for o in visibility["element"]["options"]] == [
        "Internal: technicians only",
        "Public: the requester sees it",
    ]
    submitted = view_submission(view, {actions.INPUT_NOTE: "Replaced the VPN profile"}, user=TESS)
    await _click(server, submitted)
    public = view_submission(
        view, {actions.INPUT_NOTE: "Please restart", actions.PUBLIC: "true"}, user=TESS
    )
    await _click(server, public)

    notes = {n["description"]: n for n in tenant.notes.values() if n["ticketID"] == ticket_id}
    internal = next(n for text, n in notes.items() if "Replaced the VPN profile" in text)
    shared = next(n for text, n in notes.items() if "Please restart" in text)
    assert internal["publish"] != 1
    assert shared["publish"] == 1


JORDAN = "UJORDAN1"  # a second technician, in Slack


def _said_in_thread(slack: FakeSlackApi, ts: str, since: int = 0) -> list[Any]:
    return [
        c
        for c in slack.posted()[since:]
        if c.params.get("channel") == TRIAGE and c.params.get("thread_ts") == ts
    ]


def _buttons(call: Any) -> set[str]:
    return set(card_elements(posted_blocks(call)))


async def test_answers_in_the_cards_thread_are_one_line_without_a_second_card(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    _, ts = await _filed(server, slack, tenant)
    card = card_elements(posted_blocks(_triage_posts(slack)[0]))
    before = len(slack.posted())

    await _click(server, channel_click(card[actions.TRIAGE_TAKE], message_ts=ts))
    await server.event(channel_message("Firewall rule 12", user=TESS, channel=TRIAGE, thread_ts=ts))
    await server.settle()

    answers = _said_in_thread(slack, ts, before)
    assert len(answers) == 2
    assert "You've taken ticket" in str(answers[0].params["text"])
    assert "internal note" in str(answers[1].params["text"])
    for answer in answers:
        assert not _buttons(answer) & {actions.ADD_NOTE, actions.REFRESH, actions.CLOSE_REQUEST}
        assert "Last activity" not in json.dumps(posted_blocks(answer))


async def test_a_take_on_a_stale_card_asks_before_taking_it_over(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    slack.add_user(JORDAN, "jordan.lee@msp.example", "Jordan Lee")
    ticket_id, ts = await _filed(server, slack, tenant)
    take = card_elements(posted_blocks(_triage_posts(slack)[0]))[actions.TRIAGE_TAKE]
    await _click(server, channel_click(take, message_ts=ts, user=JORDAN))
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["jordan"]
    before = len(slack.posted())
    tenant.reset_log()

    await _click(server, channel_click(take, message_ts=ts))  # Tess, on the card as drawn

    assert tenant.calls("PATCH", "Tickets") == []
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["jordan"]
    [question] = _said_in_thread(slack, ts, before)
    assert "Jordan Lee already has ticket" in str(question.params["text"])
    over = card_elements(posted_blocks(question))[actions.TRIAGE_TAKE]
    assert over["text"]["text"] == "Take it over"

    await _click(server, channel_click(over, message_ts=str(question.params.get("ts") or ts)))

    [patch] = tenant.calls("PATCH", "Tickets")
    assert patch.impersonation == str(tenant.ids["tess"])
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["tess"]


async def test_an_end_users_forged_triage_clicks_change_and_reveal_nothing(
    server: SlackHarness, slack: FakeSlackApi, tenant: FakeAutotask
) -> None:
    ticket_id, ts = await _filed(server, slack, tenant)
    tenant.tickets[ticket_id]["assignedResourceID"] = tenant.ids["jordan"]
    card = card_elements(posted_blocks(_triage_posts(slack)[0]))
    status, assign = card[actions.TRIAGE_STATUS], card[actions.TRIAGE_ASSIGN]
    before = len(slack.posted())
    tenant.reset_log()

    # Alice replays the card's buttons: in the triage channel, and in her own DM.
    for channel in (TRIAGE, DM):
        await _click(
            server,
            channel_click(card[actions.TRIAGE_TAKE], message_ts=ts, user=ALICE, channel=channel),
        )
        await _click(
            server,
            channel_click(
                status, message_ts=ts, user=ALICE, channel=channel, option=pick(status, "Complete")
            ),
        )
        await _click(
            server,
            channel_click(
                assign, message_ts=ts, user=ALICE, channel=channel, option=pick(assign, "Tess Tech")
            ),
        )

    assert tenant.calls("PATCH") == [] and tenant.calls("POST", r".*Notes") == []
    assert tenant.calls("PUT") == []
    told = json.dumps([c.params for c in slack.posted()[before:]])
    assert "Only the help desk's technicians can do that." in told
    assert "Jordan" not in told and "VPN drops" not in told and "Take it over" not in told
