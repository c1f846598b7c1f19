"""A busy core pool (calls wait in its queue longer than a lease) must not make two processes
hold the same event or the same replies: leases start when the call runs, and replies whose
lease ran out before their turn are left to whoever holds them now."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bots.inbox import DurableCore
from core.messages import Event, Reply
from storage.db import Database
from storage.inbox import Outgoing, SqlInbox, Taken
from tests.support import message

LEASE = timedelta(seconds=30)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class QueuedRunner:
    """Each call waits in the pool's queue for two leases before it runs."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def run(self, fn: Callable[[], object]) -> object:
        self.clock.now += 2 * LEASE
        return fn()


class Echo:
    def handle(
        self, event: Event, *, retake: bool = False, on_answer: object = None
    ) -> list[Reply]:
        return [Reply(f"answer to {event.event_id}")]


def durable(database: Database, clock: Clock) -> DurableCore:
    queued = QueuedRunner(clock)
    return DurableCore(
        SqlInbox(database),
        Echo(),
        queued,
        clock,
        lease_seconds=LEASE.total_seconds(),
        poll_seconds=0.05,
        owner="busy",
        bookkeeping=queued,
    )


@pytest.mark.anyio
async def test_a_lease_taken_through_a_busy_pool_starts_when_it_runs(
    database: Database,
) -> None:
    clock = Clock()
    core = durable(database, clock)
    event = message("ticket new printer jam", event_id="Ev-queued")
    core.inbox.put(event, "slack", json.dumps({"event": event.event_id}), clock())

    await core._take()

    assert core._work, "the event was taken"
    assert core.inbox.take("other", clock(), LEASE) == []  # still held: nobody takes it twice
    for task in list(core._work):
        await task


@pytest.mark.anyio
async def test_replies_whose_lease_ran_out_before_their_turn_are_not_delivered(
    database: Database,
) -> None:
    clock = Clock()
    core = durable(database, clock)
    delivered: list[str] = []

    async def slow_deliver(outgoing: Outgoing) -> bool:
        delivered.append(json.loads(outgoing.destination)["event"])
        clock.now += 2 * LEASE  # a slow platform: the rest of the batch's lease runs out
        return True

    core.deliverers["slack"] = slow_deliver
    for name in ("Ev-a", "Ev-b"):
        event = message("hello", event_id=name)
        where = json.dumps({"event": name})
        core.inbox.put(event, "slack", where, clock(), owner="busy", lease=LEASE)
        taken = Taken(name, "slack", event, where, 1, False, False)
        assert core.inbox.finish(taken, "busy", [Reply("hi")], clock())

    await core._deliver_due()

    assert delivered == ["Ev-a"]  # Ev-b's lease ran out: another process may be posting it
    [again] = core.inbox.due(clock(), LEASE)
    assert again.event_id == "Ev-b"  # and it is still owed
