"""Back-pressure comes from the inbox: past its ``concurrency`` a process keeps an event only in
the inbox (for its loop, or any other process, to take when there is room) instead of queueing
a call for it in memory; the event is answered once, through the outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bots.inbox import DurableCore
from core.messages import Event, Reply
from storage.db import Database
from storage.inbox import Outgoing, SqlInbox
from tests.support import message

LEASE = timedelta(seconds=30)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Inline:
    """Bookkeeping run at once, on the loop (the test controls every step)."""

    async def run(self, fn: Callable[[], object]) -> object:
        return fn()


class GatedCore:
    """The core's calls wait until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.waiting = 0

    async def run(self, fn: Callable[[], object]) -> object:
        self.waiting += 1
        await self.gate.wait()
        return fn()


class Echo:
    def __init__(self) -> None:
        self.answered: list[str] = []

    def handle(
        self, event: Event, *, retake: bool = False, on_answer: object = None
    ) -> list[Reply]:
        self.answered.append(event.event_id)
        return [Reply(f"answer to {event.event_id}")]


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):  # bounded
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not met")


@pytest.mark.anyio
async def test_past_its_capacity_a_process_leaves_the_event_in_the_inbox(
    database: Database,
) -> None:
    core_pool, echo = GatedCore(), Echo()
    core = DurableCore(
        SqlInbox(database),
        echo,
        core_pool,
        lambda: NOW,
        lease_seconds=LEASE.total_seconds(),
        poll_seconds=60,
        owner="busy",
        concurrency=1,
        bookkeeping=Inline(),
    )
    delivered: list[tuple[str, list[str]]] = []

    async def deliver(outgoing: Outgoing) -> bool:
        event = json.loads(outgoing.destination)["event"]
        delivered.append((event, [r.text for r in outgoing.replies]))
        return True

    core.deliverers["slack"] = deliver
    first = asyncio.create_task(
        core.handle(message("hello", event_id="Ev-1"), "slack", json.dumps({"event": "Ev-1"}))
    )
    await until(lambda: core_pool.waiting == 1)
    assert core.room() == 0

    # The one place is taken: the second event is kept, not queued for a worker.
    second = await core.handle(
        message("hello", event_id="Ev-2"), "slack", json.dumps({"event": "Ev-2"})
    )
    assert second == []
    assert core_pool.waiting == 1 and echo.answered == []
    assert core.inbox.depth(NOW).pending == 2

    core_pool.gate.set()
    assert [r.text for r in await first] == ["answer to Ev-1"]
    assert core.room() == 1

    await core._take()  # the loop, woken by the finished event, takes the kept one
    await asyncio.gather(*core._work)
    await core._deliver_due()

    assert echo.answered == ["Ev-1", "Ev-2"]
    assert delivered == [("Ev-2", ["answer to Ev-2"])]  # Ev-1's adapter posts its own
    assert core.inbox.depth(NOW).pending == 0


@pytest.mark.anyio
async def test_a_redelivery_while_busy_is_refused_and_frees_no_place(database: Database) -> None:
    core = DurableCore(
        SqlInbox(database),
        Echo(),
        GatedCore(),
        lambda: NOW,
        lease_seconds=LEASE.total_seconds(),
        poll_seconds=60,
        owner="busy",
        concurrency=2,
        bookkeeping=Inline(),
    )
    event = message("hello", event_id="Ev-dup")
    core.inbox.put(event, "slack", "{}", NOW)

    assert await core.handle(event, "slack", "{}") == []
    assert core.room() == 2
