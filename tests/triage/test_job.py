"""The triage job against the loopback Slack Web API, on the local desk: a card is posted once
(even by two runners at once, even after a runner died between posting and recording), edited
in place when the ticket changes, left alone when nothing it shows changed, and retried with
backoff when Slack fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.packing import Stash
from bots.slack.triage import METADATA_EVENT, SlackCardPublisher
from bots.triage.job import Published, TriageJob
from core.messages import Reply, UserRef
from core.tickets import TicketDraft, TicketRef
from core.triage import FeedTriageSource, TriageTarget
from storage.db import Database
from storage.desk_updates import LocalDeskFeed, LocalDeskStaff
from storage.local_desk import STATUSES, LocalDesk
from storage.triage import SqlTriageBoard
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.support import FakeClock
from tests.triage.harness import slack_fields

pytestmark = pytest.mark.anyio
ALICE = UserRef("slack", "UALICE01", "Alice Example", "alice@example.com")
TRIAGE = "CTRIAGE01"
# The fake's message timestamps count from here: a clock near them lets "since" lookups work.
SLACK_EPOCH = datetime.fromtimestamp(1_700_000_000, UTC)


class Desk:
    def __init__(self, tmp_path: Path, fake: FakeSlackApi) -> None:
        self.clock = FakeClock(SLACK_EPOCH)
        self.database = Database.connect(f"sqlite:///{tmp_path / 'ticketbot.db'}")
        self.desk = LocalDesk(self.database, clock=self.clock)
        self.staff = LocalDeskStaff(self.database, clock=self.clock, notify=lambda _: None)
        self.board = SqlTriageBoard(
            self.database, "local", (TriageTarget("slack", TRIAGE),), self.clock
        )
        self.fake = fake
        self.source = FeedTriageSource(
            LocalDeskFeed(self.database),
            technicians=lambda: ("jordan@msp.example", "tess@msp.example"),
            statuses=lambda: STATUSES,
        )

    def publisher(self) -> SlackCardPublisher:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=self.fake.api_url)
        return SlackCardPublisher(client, Stash())

    def job(self, publisher: Any = None) -> TriageJob:
        return TriageJob(
            self.board, self.source, {"slack": publisher or self.publisher()}, self.clock
        )

    def file(self, title: str = "VPN drops every hour") -> int:
        ticket = self.desk.create(TicketDraft(title, "It drops."), ALICE)
        self.board.filed(ticket, ALICE)
        return ticket.id

    def posts(self) -> list[Any]:
        return [c for c in self.fake.calls_to("chat.postMessage") if c.params["channel"] == TRIAGE]


@pytest.fixture
async def desk(tmp_path: Path, slack: FakeSlackApi) -> AsyncIterator[Desk]:
    found = Desk(tmp_path, slack)
    yield found
    found.database.dispose()


async def test_a_filed_ticket_is_posted_once_then_edited_in_place(desk: Desk) -> None:
    ticket_id = desk.file()
    job = desk.job()

    assert await job.tick() == 1
    assert await job.tick() == 0
    [post] = desk.posts()
    assert "VPN drops every hour" in post.params["text"]
    assert "Alice Example" in json.dumps(post.params["blocks"])
    assert post.params["metadata"]["event_type"] == METADATA_EVENT
    ts = desk.board.cards(ticket_id)[0].message_ref

    desk.staff.assign(TicketRef("id", str(ticket_id)), "Tess Tech", "Tess Tech")
    desk.board.changed(ticket_id)
    assert await job.tick() == 1

    [update] = desk.fake.calls_to("chat.update")
    assert update.params["ts"] == ts and update.params["channel"] == TRIAGE
    assert slack_fields(update.params["blocks"])["Assigned to"] == "Tess Tech"
    assert len(desk.posts()) == 1


async def test_a_change_that_shows_nothing_new_edits_nothing(desk: Desk) -> None:
    ticket_id = desk.file()
    job = desk.job()
    await job.tick()

    desk.board.changed(ticket_id)  # e.g. an internal note: the card shows no notes
    assert await job.tick() == 0

    assert desk.fake.calls_to("chat.update") == []
    assert desk.board.claim_due(desk.clock(), ("slack",)) == []


async def test_a_closed_ticket_collapses_to_one_line(desk: Desk) -> None:
    ticket_id = desk.file()
    job = desk.job()
    await job.tick()

    desk.desk.close(TicketRef("id", str(ticket_id)), ALICE)
    desk.board.changed(ticket_id)
    await job.tick()

    [update] = desk.fake.calls_to("chat.update")
    blocks = update.params["blocks"]
    assert [b["type"] for b in blocks] == ["header"]
    assert blocks[0]["text"]["text"].startswith("✓ ")


async def test_two_runners_post_each_card_once(desk: Desk) -> None:
    for n in range(6):
        desk.file(f"Problem number {n}")

    first, second = desk.job(), desk.job()
    done = await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())

    assert sum(done) == 6
    assert len(desk.posts()) == 6
    assert len({p.params["text"] for p in desk.posts()}) == 6


class DiesAfterPosting:
    """A runner that posts and dies before it can record the message's ts."""

    platform = "slack"

    def __init__(self, inner: SlackCardPublisher) -> None:
        self.inner = inner

    async def post(self, target: TriageTarget, reply: Reply, key: str) -> Published:
        await self.inner.post(target, reply, key)
        raise RuntimeError("killed between the post and the database (test)")

    async def edit(self, target: TriageTarget, message_ref: str, reply: Reply) -> Published:
        return await self.inner.edit(target, message_ref, reply)

    async def find(self, target: TriageTarget, key: str, since: datetime) -> str | None:
        return await self.inner.find(target, key, since)


async def test_a_post_whose_ts_was_lost_is_found_not_posted_again(desk: Desk) -> None:
    ticket_id = desk.file()
    await desk.job(DiesAfterPosting(desk.publisher())).tick()
    assert len(desk.posts()) == 1
    desk.clock.advance(minutes=5)  # the dead runner's lease and retry time pass

    await desk.job().tick()

    assert len(desk.posts()) == 1
    assert desk.fake.calls_to("conversations.history") != []
    [card] = desk.board.cards(ticket_id)
    posted_ts = desk.fake.history[TRIAGE][0]["ts"]
    assert card.message_ref == posted_ts
    await desk.job().tick()  # the adopted card is brought up to date in place
    assert [u.params["ts"] for u in desk.fake.calls_to("chat.update")] == [posted_ts]


async def test_a_failed_post_is_retried_with_backoff(desk: Desk) -> None:
    ticket_id = desk.file()
    desk.fake.fail("chat.postMessage", "ratelimited", times=2)
    job = desk.job()

    assert await job.tick() == 0
    assert await job.tick() == 0  # not due yet: no second call
    assert len(desk.fake.calls_to("chat.postMessage")) == 1
    desk.clock.advance(seconds=11)
    assert await job.tick() == 0
    desk.clock.advance(seconds=11)
    assert await job.tick() == 0  # the second wait is longer
    desk.clock.advance(seconds=10)

    assert await job.tick() == 1
    assert len(desk.fake.calls_to("chat.postMessage")) == 3
    assert desk.board.cards(ticket_id)[0].state == "posted"


async def test_a_channel_the_bot_cannot_post_in_is_given_up_at_once(desk: Desk) -> None:
    ticket_id = desk.file()
    desk.fake.fail("chat.postMessage", "not_in_channel")
    job = desk.job()

    await job.tick()
    desk.clock.advance(hours=2)
    await job.tick()

    assert len(desk.fake.calls_to("chat.postMessage")) == 1
    assert desk.board.cards(ticket_id)[0].state == "failed"
