"""The durable inbox at work in a process: nothing acknowledged is lost when one dies.

- :meth:`DurableCore.handle` keeps an event in the inbox (with where its answer goes) before
  the core sees it, leased to this process; a redelivery is refused by the event id. The core
  runs, the event is marked done with its replies in the outbox (one transaction), and the
  adapter posts them at once and reports them :meth:`~DurableCore.delivered`.
- A loop (every process: ``serve`` and ``worker``) takes events nobody holds — a dead
  replica's, once its lease ran out; those released at shutdown; those queued by another
  process — runs them (a retake answers what the core recorded, or runs again with idempotent
  writes) and delivers undelivered replies through the adapters registered here, retrying
  with backoff.
- :meth:`DurableCore.stop` gives the whole shutdown one deadline: stop taking, let work in
  flight finish until shortly before it, release what is left, deliver what is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Protocol

from bots.observability.metrics import Metrics
from core.backoff import backoff
from core.messages import Event, Reply
from storage.inbox import InboxDepth, Outgoing, SqlInbox, Taken

log = logging.getLogger(__name__)

# Delivers replies to the destination an adapter stored; True when they got through.
Deliver = Callable[[list[Reply], str], Awaitable[bool]]

SORRY = "Sorry, something went wrong on my side and I couldn't finish your last request."
MAX_ATTEMPTS = 5  # an event that fails this often is answered with an apology, not retried
MAX_DELIVERIES = 8
BACKOFF_CAP_SECONDS = 300.0
BATCH = 8


class Runner(Protocol):
    """Runs blocking calls off the event loop (the server's core pool)."""

    async def run(self, fn: Callable[[], object]) -> object: ...


class Answering(Protocol):
    def handle(self, event: Event, *, retake: bool = False) -> list[Reply]: ...


def process_owner() -> str:
    """This process's name on leases: host, pid and a random part (pids repeat in containers)."""
    import os

    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


class _Bookkeeping:
    """A small thread pool of the inbox's own for its database calls."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="inbox")

    async def run(self, fn: Callable[[], object]) -> object:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)


class DurableCore:
    """The inbox, the outbox and the loop that works them, for one process."""

    def __init__(
        self,
        inbox: SqlInbox,
        assistant: Answering,
        runner: Runner,
        clock: Callable[[], datetime],
        *,
        lease_seconds: float,
        poll_seconds: float,
        metrics: Metrics | None = None,
        owner: str | None = None,
        concurrency: int = 4,
        bookkeeping: Runner | None = None,
    ) -> None:
        self.inbox = inbox
        self.assistant = assistant
        self.runner = runner  # the core's work
        # The inbox's own bookkeeping never queues behind slow core work: a reply posted but
        # not yet marked sent when the process dies would be sent again after the restart.
        self.books: Runner = bookkeeping or _Bookkeeping()
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.owner = owner or process_owner()
        self.concurrency = max(1, concurrency)
        self.deliverers: dict[str, Deliver] = {}
        self._held: set[str] = set()  # events this process is working on
        self._work: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._taking = True

    # -- the adapters' path -------------------------------------------------------------------

    async def handle(self, event: Event, platform: str, destination: str) -> list[Reply]:
        """Keep ``event``, answer it, record the answer for delivery; ``[]`` for an event
        already in the inbox (a platform's redelivery).

        Back-pressure comes from the inbox: when this process already works on
        ``concurrency`` events, the event is only kept (``[]`` too), for the loop here or any
        other process to take when there is room, and its answer comes from the outbox —
        nothing piles up in memory waiting for a worker."""
        now = self.clock()
        here = self.room() > 0
        if here:
            self._held.add(event.event_id)  # the place is taken before anything is awaited
        try:
            kept = await self.books.run(
                lambda: self.inbox.put(
                    event,
                    platform,
                    destination,
                    now,
                    owner=self.owner if here else None,
                    lease=self.lease if here else None,
                )
            )
        except BaseException:
            self._held.discard(event.event_id)
            raise
        if not kept:
            self._held.discard(event.event_id)
            log.info("inbox: duplicate event refused event_id=%s", event.event_id)
            return []
        if not here:
            log.info("inbox: busy, event queued for the loop event_id=%s", event.event_id)
            self.wake()
            return []
        taken = Taken(event.event_id, platform, event, destination, 1, False, False)
        try:
            replies = await self._answer(taken)
            finished = await self.books.run(lambda: self._finish_held(taken, replies))
        finally:
            self._held.discard(event.event_id)
            self.wake()  # a place is free: the loop takes what waits in the inbox
        if not finished:
            # Released at shutdown (or taken over): whoever has it now answers, once.
            log.warning("inbox: event handed on, not answered here event_id=%s", event.event_id)
            return []
        return replies

    def _finish_held(self, taken: Taken, replies: list[Reply]) -> bool:
        # The clock is read when the call runs, not when it was queued: on a busy machine the
        # core pool's queue alone can outlast a lease, and the adapter's hold must start now.
        now = self.clock()
        return self.inbox.finish(taken, self.owner, replies, now, deliver_by_until=now + self.lease)

    async def delivered(self, event_id: str) -> None:
        """The adapter posted the replies of ``event_id``."""
        try:
            await self.books.run(lambda: self.inbox.delivered(event_id, self.clock()))
        except Exception:  # delivered anyway; at worst it is delivered again later
            log.exception("outbox: not marked sent event_id=%s", event_id)

    # -- the loop -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start taking and delivering (at start-up this recovers what a dead process held)."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="inbox")

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        next_renewal = next_measure = time.monotonic()
        while self._taking:
            # Cleared before the work, not after: a wake-up during it (an event finished, one
            # was left in the inbox) must start the next round at once, not a poll later.
            self._wake.clear()
            try:
                if time.monotonic() >= next_renewal:
                    await self._renew()
                    next_renewal = time.monotonic() + self.lease.total_seconds() / 3
                await self._take()
                await self._deliver_due()
                if time.monotonic() >= next_measure:  # a count of the tables: not every round
                    await self._measure()
                    next_measure = time.monotonic() + self.poll_seconds
            except Exception:
                log.exception("inbox loop failed; trying again in %.1f s", self.poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def _renew(self) -> None:
        held = list(self._held)
        if held:
            until = self.clock() + self.lease
            await self.books.run(lambda: self.inbox.extend(self.owner, held, until))

    def room(self) -> int:
        """How many more events this process may work on now (the adapters' and the loop's
        together)."""
        return self.concurrency - len(self._held)

    async def _take(self) -> None:
        room = self.room()
        if room <= 0:
            return
        # The clock is read when the call runs (not when queued): a lease must not start stale.
        taken = await self.books.run(
            lambda: self.inbox.take(self.owner, self.clock(), self.lease, limit=min(room, BATCH))
        )
        assert isinstance(taken, list)
        for item in taken:
            if item.takeover:
                log.warning(
                    "inbox: lease taken over event_id=%s attempt=%d", item.event_id, item.attempts
                )
                if self.metrics is not None:
                    self.metrics.inbox_takeovers.inc()
            self._held.add(item.event_id)  # counted at once, before its task runs
            task = asyncio.create_task(self._run_taken(item), name=f"inbox:{item.event_id}")
            self._work.add(task)
            task.add_done_callback(self._work.discard)

    async def _run_taken(self, taken: Taken) -> None:
        self._held.add(taken.event_id)
        try:
            if taken.attempts > MAX_ATTEMPTS:
                log.error("inbox: giving up after %d attempts event_id=%s", MAX_ATTEMPTS, taken)
                replies = [Reply(SORRY)]
            else:
                replies = await self._answer(taken)
            finished = await self.books.run(
                lambda: self.inbox.finish(taken, self.owner, replies, self.clock())
            )
            if not finished:
                log.warning("inbox: lease lost before finishing event_id=%s", taken.event_id)
        except Exception:
            # The lease runs out and someone (maybe this process) tries again.
            log.exception("inbox: event failed event_id=%s", taken.event_id)
        finally:
            self._held.discard(taken.event_id)
        self.wake()

    async def _answer(self, taken: Taken) -> list[Reply]:
        replies = await self.runner.run(
            lambda: self.assistant.handle(taken.event, retake=taken.retake)
        )
        assert isinstance(replies, list)
        return replies

    async def _deliver_due(self, *, deadline: float | None = None) -> None:
        if not self.deliverers:
            return
        platforms = list(self.deliverers)

        def lease_due() -> tuple[datetime, list[Outgoing]]:
            now = self.clock()  # when the call runs, not when it was queued
            return now + self.lease, self.inbox.due(
                now, self.lease, limit=BATCH, platforms=platforms
            )

        held = await self.books.run(lease_due)
        assert isinstance(held, tuple)
        until, due = held
        for outgoing in due:
            if deadline is not None and time.monotonic() >= deadline:
                self.inbox.retry(outgoing, self.clock())  # out of time: free it at once
                continue
            if self.clock() >= until:
                # The lease ran out while earlier ones were delivered: another process may
                # hold these replies now, and a person must not get them twice.
                log.warning("outbox: lease ran out before delivery event_id=%s", outgoing.event_id)
                continue
            await self._deliver(outgoing)

    async def _deliver(self, outgoing: Outgoing) -> None:
        deliver = self.deliverers[outgoing.platform]
        try:
            ok = await deliver(outgoing.replies, outgoing.destination)
        except Exception:
            log.exception("outbox: delivery failed event_id=%s", outgoing.event_id)
            ok = False
        if ok or outgoing.attempts >= MAX_DELIVERIES:
            if not ok:
                log.error(
                    "outbox: giving up after %d deliveries event_id=%s",
                    outgoing.attempts,
                    outgoing.event_id,
                )
            await self.books.run(lambda: self.inbox.sent(outgoing, self.clock()))
            return
        cap = timedelta(seconds=BACKOFF_CAP_SECONDS)
        wait = backoff(outgoing.attempts, first=timedelta(seconds=2), longest=cap).total_seconds()
        log.warning(
            "outbox: delivery failed, retrying in %.0f s event_id=%s", wait, outgoing.event_id
        )
        if self.metrics is not None:
            self.metrics.outbox_retries.inc()
        at = self.clock() + timedelta(seconds=wait)
        await self.books.run(lambda: self.inbox.retry(outgoing, at))

    async def _measure(self) -> None:
        if self.metrics is None:
            return
        depth = await self.books.run(lambda: self.inbox.depth(self.clock()))
        assert isinstance(depth, InboxDepth)
        self.metrics.observe_inbox(depth)

    # -- shutdown -----------------------------------------------------------------------------

    async def stop(self, deadline: float) -> None:
        """Stop taking; let work in flight finish until shortly before ``deadline`` (a
        ``time.monotonic()`` value); release what is still held for anyone to take at once;
        deliver what is due while time is left."""
        self._taking = False
        self.wake()
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        margin = min(1.0, max(0.0, deadline - time.monotonic()) / 4)
        if self._work:
            await asyncio.wait(
                set(self._work), timeout=max(0.0, deadline - margin - time.monotonic())
            )
        await self.release()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._deliver_due(deadline=deadline),
                timeout=max(0.01, deadline - time.monotonic()),
            )

    async def release(self) -> None:
        """Give back every event this process still holds (a restart or another replica
        takes them at once)."""
        try:
            released = self.inbox.release(self.owner)  # quick; the core pool may be full
        except Exception:
            log.exception("inbox: leases not released (they run out by themselves)")
            return
        if released:
            log.warning("inbox: %d events released for another process to finish", released)
