"""An answer reaches Slack once, although ``chat.postMessage`` has no idempotency key: every
part carries its event and index in the message's metadata, and a delivery that may repeat an
earlier one (a process died between Slack's answer and marking it sent, or only some parts got
through) reads the conversation first and posts only what is missing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bots.server import DURABLE_KEY
from bots.slack.answered import REPLY_EVENT
from bots.slack.destination import Destination
from core.messages import Reply
from storage.inbox import Outgoing, SqlInbox
from storage.models import OutboxRow
from tests.fakes.slack_api import TEAM_ID, ApiCall
from tests.slack.harness import ALICE, CHANNEL, DM, SlackHarness, dm_event, now_utc

pytestmark = pytest.mark.anyio

THREAD = "1700000100.000300"


def tag(event_id: str, part: int) -> dict[str, object]:
    return {"event_type": REPLY_EVENT, "event_payload": {"event": event_id, "part": part}}


def outbox(slack: SlackHarness) -> list[OutboxRow]:
    with slack.runtime.database.sessions() as session:
        return list(session.scalars(select(OutboxRow)))


def texts(calls: list[ApiCall]) -> list[str]:
    return [str(c.params.get("text")) for c in calls]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.02)


async def test_an_answer_carries_its_event_and_part_in_the_metadata(make_slack) -> None:
    slack: SlackHarness = await make_slack()

    await slack.event(dm_event("ticket new The scanner is offline"), event_id="EvTAG00001")
    await slack.settle()

    [answer] = slack.fake.calls_to("chat.postMessage")
    assert answer.params["metadata"] == tag("EvTAG00001", 0)
    assert [row.sent_at is not None for row in outbox(slack)] == [True]


async def test_an_answer_in_slack_but_not_marked_sent_is_not_posted_again(
    make_slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack: SlackHarness = await make_slack(inbox_poll_seconds=0.05)
    # The process dies right after Slack took the post: nothing records that it went out.
    monkeypatch.setattr(SqlInbox, "delivered_all", lambda *args, **kwargs: None)
    await slack.event(dm_event("ticket new The scanner is offline"), event_id="EvDIED0001")
    await slack.settle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    [kept] = outbox(slack)
    assert kept.sent_at is None
    monkeypatch.undo()

    # Its hold runs out: the outbox (this process after a restart, or another) delivers it.
    with slack.runtime.database.sessions() as session:
        session.execute(update(OutboxRow).values(lease_until=now_utc() - timedelta(seconds=1)))
        session.commit()
    slack.app[DURABLE_KEY].wake()
    await until(lambda: outbox(slack)[0].sent_at is not None)

    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    [lookup] = slack.fake.calls_to("conversations.history")
    assert lookup.params["channel"] == DM
    assert str(lookup.params["include_all_metadata"]).lower() in ("true", "1")


async def test_only_the_parts_not_in_the_thread_are_posted(make_slack) -> None:
    slack: SlackHarness = await make_slack()
    bot = slack.adapter.bot
    where = Destination(TEAM_ID, ALICE, channel_id=CHANNEL, thread_ts=THREAD)
    replies = [Reply("First part"), Reply("Second part"), Reply("Third part")]
    received = now_utc()
    # Another event's first part in the same thread does not count for this one.
    assert await bot.delivery.send(replies[:1], where, event_id="EvOTHER001")
    assert await bot.delivery.send(replies[:1], where, event_id="EvPARTS001")
    slack.fake.fail("chat.postMessage", "ratelimited")  # the second part did not get through
    assert not await bot.delivery.send(replies[1:2], where, event_id="EvPARTS001")
    before = len(slack.fake.calls_to("chat.postMessage"))

    again = Outgoing(1, "EvPARTS001", "slack", "", replies, 2, True, received)
    assert await bot.deliver_stored(replace_destination(again, where))

    posted = slack.fake.calls_to("chat.postMessage")[before:]
    assert texts(posted) == ["Second part", "Third part"]
    assert [p.params["metadata"] for p in posted] == [tag("EvPARTS001", 1), tag("EvPARTS001", 2)]
    assert all(p.params["thread_ts"] == THREAD for p in posted)
    [lookup] = slack.fake.calls_to("conversations.replies")  # history lists no thread replies
    assert (lookup.params["channel"], lookup.params["ts"]) == (CHANNEL, THREAD)
    assert float(lookup.params["oldest"]) < received.timestamp()


async def test_a_first_delivery_does_not_look_and_a_failed_lookup_posts_everything(
    make_slack,
) -> None:
    slack: SlackHarness = await make_slack()
    bot = slack.adapter.bot
    where = Destination(TEAM_ID, ALICE, channel_id=CHANNEL)
    replies = [Reply("Only part")]

    first = Outgoing(1, "EvFIRST001", "slack", "", replies, 1)
    assert await bot.deliver_stored(replace_destination(first, where))
    assert slack.fake.calls_to("conversations.history") == []

    # Slack can't say what is there: a second post beats an answer nobody sees.
    slack.fake.fail("conversations.history", "ratelimited")
    again = Outgoing(1, "EvFIRST001", "slack", "", replies, 2, True, now_utc())
    assert await bot.deliver_stored(replace_destination(again, where))
    assert texts(slack.fake.calls_to("chat.postMessage")) == ["Only part", "Only part"]


async def test_the_outbox_leaves_an_answer_alone_while_this_process_is_still_posting_it(
    make_slack,
) -> None:
    lease = 0.3
    slack: SlackHarness = await make_slack(inbox_lease_seconds=lease, inbox_poll_seconds=0.05)
    slow = slack.fake.hold("chat.postMessage")  # Slack takes longer than the hold on it

    await slack.event(dm_event("ticket new The scanner is offline"), event_id="EvSLOW0001")
    await until(lambda: len(slack.fake.calls_to("chat.postMessage")) == 1)
    await asyncio.sleep(lease * 5)  # the outbox loop goes round after the hold ran out
    slow.set()
    await slack.settle()
    await until(lambda: outbox(slack)[0].sent_at is not None)

    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def replace_destination(outgoing: Outgoing, where: Destination) -> Outgoing:
    return replace(outgoing, destination=json.dumps(where.compact()))


async def test_an_answer_slack_refused_is_not_marked_sent_but_posted_by_the_outbox(
    make_slack,
) -> None:
    slack: SlackHarness = await make_slack(inbox_lease_seconds=0.5, inbox_poll_seconds=0.05)
    slack.fake.fail("chat.postMessage", "ratelimited")

    await slack.event(dm_event("ticket new The scanner is offline"), event_id="EvLATE0001")
    await slack.settle()
    await until(lambda: outbox(slack)[0].sent_at is not None)

    # Refused, so not marked sent (before, it was, and the person never heard back); then
    # delivered by the outbox once this process's hold on it ran out.
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
    [answer] = slack.fake.history[DM]
    assert answer["metadata"] == tag("EvLATE0001", 0)
