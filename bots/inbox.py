"""The durable inbox at work in a process: nothing acknowledged is lost when one dies.

- :meth:`DurableCore.receive` keeps what a platform sent (as the adapter read it) before the
  platform is acknowledged, leased to this process; a redelivery is refused by the event id.
- :meth:`DurableCore.handle` makes it the neutral event (once the adapter knows who sent it)
  before the core sees it. The core runs, the event is marked done with its replies in the
  outbox (one transaction), and the adapter posts them at once and reports them
  :meth:`~DurableCore.delivered`. With ``processes`` off (``serve`` beside ``ticketbot
  worker`` processes) the event is left to the workers instead and answered from the outbox.
- A loop (every process: ``serve`` and ``worker``) takes events nobody holds — a dead
  replica's, once its lease ran out; those released at shutdown; those queued by another
  process; a received request whose receiver died, when this process has its adapter — runs
  them (a retake answers what the core recorded, or runs again with idempotent writes) and
  delivers undelivered replies through the adapters registered here, retrying with backoff.
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

from bots.group_commit import GroupCommit
from bots.observability.metrics import Metrics
from core.backoff import backoff
from core.messages import Event, Reply
from storage.inbox import Arrival, InboxDepth, Keep, Outgoing, Received, SqlInbox, Taken
from storage.notifications import Listener

log = logging.getLogger(__name__)

# Delivers an outbox entry's replies to the destination its adapter stored; True when they
# got through. When ``again`` says some may have been posted before, a deliverer that can look
# its own messages up (Slack) posts only the missing ones.
Deliver = Callable[[Outgoing], Awaitable[bool]]
# Makes a received request (the adapter's intake and destination) the neutral event and where
# its answer goes; None when there is nothing for the core (the adapter answered it itself).
Prepare = Callable[[str, str], Awaitable[tuple[Event, str] | None]]

SORRY = "Sorry, something went wrong on my side and I couldn't finish your last request."
MAX_ATTEMPTS = 5  # an event that fails this often is answered with an apology, not retried
MAX_DELIVERIES = 8
BACKOFF_CAP_SECONDS = 300.0
INTAKE_WRITERS = 4  # requests kept side by side (each write keeps those that came together)
BATCH = 32  # events taken, or answers delivered, in one round of the loop
# How long the loop leaves an answer to the adapter that is posting it, however slow the
# platform: a post still under way when the outbox took it again would reach Slack twice
# (the lookup finds only posts that are done). Past this, the adapter is taken to have failed.
POSTING_GRACE_SECONDS = 60.0


class Runner(Protocol):
    """Runs blocking calls off the event loop (the server's core pool)."""

    async def run(self, fn: Callable[[], object]) -> object: ...


class Answering(Protocol):
    def handle(
        self,
        event: Event,
        *,
        retake: bool = False,
        on_answer: Callable[[list[Reply]], None] | None = None,
    ) -> list[Reply]: ...


def process_owner() -> str:
    """This process's name on leases: host, pid and a random part (pids repeat in containers)."""
    import os

    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


class _Bookkeeping:
    """A small thread pool of the inbox's own for its database calls."""

    def __init__(self, workers: int = 2, name: str = "inbox") -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

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
        processes: bool = True,
    ) -> None:
        self.inbox = inbox
        self.assistant = assistant
        self.runner = runner  # the core's work
        # The inbox's own bookkeeping never queues behind slow core work: a reply posted but
        # not yet marked sent when the process dies would be sent again after the restart.
        self.books: Runner = bookkeeping or _Bookkeeping()
        # Keeping what a platform sent answers the platform: it never queues behind the
        # bookkeeping of a burst (finishing, marking sent, taking).
        self.intake: Runner = (
            _Bookkeeping(INTAKE_WRITERS, "inbox-intake") if bookkeeping is None else bookkeeping
        )
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.owner = owner or process_owner()
        self.concurrency = max(1, concurrency)
        self.deliverers: dict[str, Deliver] = {}
        self.preparers: dict[str, Prepare] = {}
        # False: this process runs no core work (``serve`` beside workers); it receives,
        # prepares and delivers.
        self.processes = processes
        self._held: set[str] = set()  # events this process is working on
        # Requests received here and not yet answered: their adapter answers them without
        # preparing them in the inbox first (the finish takes them as received).
        self._received_here: set[str] = set()
        # A burst of requests kept (and of answers marked sent) costs a transaction per
        # batch, not per request.
        self._arrivals = GroupCommit(self._receive_all, self.intake.run, concurrency=INTAKE_WRITERS)
        self._sent_marks = GroupCommit(self._delivered_all, self.books.run)
        self._keeping = GroupCommit(self._keep_all, self.books.run)
        self._posting: dict[str, float] = {}  # answers its adapters are posting: since when
        self._work: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._listener: Listener | None = None
        self._taking = True
        # Something may wait in the inbox for this process to take (at start-up: what a dead
        # one left); cleared by a take that finds less than it asked for.
        self._backlog = True

    # -- the adapters' path -------------------------------------------------------------------

    async def receive(self, event_id: str, platform: str, intake: str, destination: str) -> bool:
        """Keep a request as the adapter read it (``intake``: its own JSON, which its
        :data:`Prepare` reads back if this process dies first), before the platform is
        acknowledged; False for a request already there (a platform's redelivery). Raises
        when it cannot be kept: the platform must not be acknowledged then."""
        kept = await self._arrivals.submit(Arrival(event_id, platform, intake, destination))
        if not kept:
            log.info("inbox: duplicate event refused event_id=%s", event_id)
            return False
        self._received_here.add(event_id)
        return True

    def _receive_all(self, arrivals: list[Arrival]) -> list[bool]:
        # The clock is read when the write runs: the lease starts now.
        return self.inbox.receive_all(arrivals, self.clock(), owner=self.owner, lease=self.lease)

    def _delivered_all(self, event_ids: list[str]) -> list[None]:
        self.inbox.delivered_all(event_ids, self.clock())
        return [None] * len(event_ids)

    async def dismiss(self, event_id: str) -> None:
        """The adapter answered a received request itself: nothing for the core."""
        self._received_here.discard(event_id)
        try:
            await self.books.run(lambda: self.inbox.set_aside(event_id, self.owner, self.clock()))
        except Exception:  # its lease runs out and whoever takes it finds nothing to do again
            log.exception("inbox: received request not set aside event_id=%s", event_id)

    async def handle(self, event: Event, platform: str, destination: str) -> list[Reply]:
        """Keep ``event`` (the request :meth:`receive` kept, now the neutral event, or kept
        only now), answer it, record the answer for delivery; ``[]`` for an event already in
        the inbox (a platform's redelivery, or taken over), and when the workers answer it.

        Back-pressure comes from the inbox: when this process already works on
        ``concurrency`` events, the event is only kept (``[]`` too), for the loop here or any
        other process to take when there is room, and its answer comes from the outbox —
        nothing piles up in memory waiting for a worker."""
        here = self.processes and self.room() > 0
        received = event.event_id in self._received_here
        self._received_here.discard(event.event_id)
        if here:
            self._held.add(event.event_id)  # the place is taken before anything is awaited
        try:
            # Received here and answered here: it stays as received (held by this process)
            # until the answer finishes it. Should this process die first, whoever takes it
            # over prepares it again from what was received.
            if not (here and received):
                kept = await self._keeping.submit(Keep(event, platform, destination, here))
                if not kept:
                    log.info("inbox: duplicate event refused event_id=%s", event.event_id)
                    return []
            if not self.processes:
                log.info("inbox: event left to the workers event_id=%s", event.event_id)
                return []
            if not here:
                log.info("inbox: busy, event queued for the loop event_id=%s", event.event_id)
                self._backlog = True
                self.wake()
                return []
            taken = Taken(event.event_id, platform, event, destination, 1, False, False)
            finishing = self.inbox.finishing(taken, self.owner, self.clock, deliver_for=self.lease)
            replies = await self._answer(taken, finishing)
            finished = finishing.finished
            if finished is None:  # not written with the answer: on its own, then
                finished = await self._finish(taken, replies, posting_here=True)
        finally:
            if here:
                self._held.discard(event.event_id)
                self._freed()
        if not finished:
            # Released at shutdown (or taken over): whoever has it now answers, once.
            log.warning("inbox: event handed on, not answered here event_id=%s", event.event_id)
            return []
        if replies:
            self._posting[event.event_id] = time.monotonic()
        return replies

    def _keep_all(self, keeps: list[Keep]) -> list[bool]:
        """Record events as ready for the core: leased to this process when ``mine``, else
        left for whichever process (or worker) has room. One not received here first (an
        adapter that keeps events only now) is kept now."""
        return self.inbox.keep_all(keeps, self.clock(), owner=self.owner, lease=self.lease)

    async def _finish(self, taken: Taken, replies: list[Reply], *, posting_here: bool) -> bool:
        """Finish ``taken`` on its own (its answer was not written with the core's unit).
        ``posting_here``: this process posts the replies itself, the outbox only after its
        hold runs out."""

        def finish() -> bool:
            # The clock is read when the call runs, not when it was queued: on a busy machine
            # the pool's queue alone can outlast a lease, and the hold must start now.
            now = self.clock()
            until = now + self.lease if posting_here else None
            return self.inbox.finish(taken, self.owner, replies, now, deliver_by_until=until)

        return bool(await self.books.run(finish))

    async def delivered(self, event_id: str, *, posted: bool = True) -> None:
        """The adapter posted the replies of ``event_id``; ``posted`` False: not all of them
        got through, and the outbox tries again once this process's hold on them runs out."""
        self._posting.pop(event_id, None)
        if not posted:
            return
        try:
            await self._sent_marks.submit(event_id)
        except Exception:  # delivered anyway; at worst it is delivered again later
            log.exception("outbox: not marked sent event_id=%s", event_id)

    # -- the loop -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start taking and delivering (at start-up this recovers what a dead process held);
        on PostgreSQL, woken at once when another process queues an event or an answer."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="inbox")
            loop = asyncio.get_running_loop()

            def woken(_: str) -> None:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(self._notified)

            try:
                self._listener = self.inbox.listen(woken)
            except Exception:  # the poll still finds everything
                log.exception("inbox: not listening for notifications")

    def wake(self) -> None:
        """Run a round of the loop now (take, deliver)."""
        self._wake.set()

    def _notified(self) -> None:
        self._backlog = True  # another process queued something
        self.wake()

    def _freed(self) -> None:
        """A place is free: the loop takes what waits in the inbox, if anything may. (Not a
        round per message when nothing waits: that would cost a look at the tables each.)"""
        if self._backlog:
            self.wake()

    async def _loop(self) -> None:
        next_renewal = next_measure = time.monotonic()
        while self._taking:
            self._wake.clear()  # a wake while this round runs brings the next one at once
            try:
                if time.monotonic() >= next_renewal:
                    await self._renew()
                    next_renewal = time.monotonic() + self.lease.total_seconds() / 3
                taken = await self._take()
                delivered = await self._deliver_due()
                if taken >= BATCH or delivered >= BATCH:
                    self.wake()  # a full batch: more may be waiting, no need to wait for it
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
        posting = [e for e in list(self._posting) if self._posted_here(e)]
        if posting:
            until = self.clock() + self.lease
            await self.books.run(lambda: self.inbox.hold(posting, until))

    def room(self) -> int:
        """How many more events this process may work on now (the adapters' and the loop's
        together)."""
        return self.concurrency - len(self._held)

    async def _take(self) -> int:
        """Take what this process can work on now; how many."""
        room = self.room()
        if room <= 0:
            return 0
        limit = min(room, BATCH)
        platforms = list(self.preparers)

        def take() -> tuple[list[Received], list[Taken]]:
            # The clock is read when the call runs (not when queued): a lease must not start
            # stale.
            received = self.inbox.take_received(
                self.owner, self.clock(), self.lease, platforms, limit=limit
            )
            if not self.processes:
                return received, []
            return received, self.inbox.take(self.owner, self.clock(), self.lease, limit=limit)

        found = await self.books.run(take)
        assert isinstance(found, tuple)
        received, taken = found
        # A full take: more may wait. Less: nothing waits now that this process knows of
        # (its own queueing, or another's notification, says when there is again).
        self._backlog = len(received) >= limit or len(taken) >= limit
        for request in received:
            log.warning("inbox: received request taken over event_id=%s", request.event_id)
            if self.metrics is not None:
                self.metrics.inbox_takeovers.inc()
            self._held.add(request.event_id)  # counted at once, before its task runs
            work = asyncio.create_task(
                self._prepare_received(request), name=f"inbox:{request.event_id}"
            )
            self._work.add(work)
            work.add_done_callback(self._work.discard)
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
        return len(received) + len(taken)

    async def _prepare_received(self, request: Received) -> None:
        """A request whose receiver died before it knew who sent it: this process's adapter
        prepares it, then the core answers it here (or a worker does)."""
        self._held.add(request.event_id)
        self._received_here.discard(request.event_id)
        try:
            prepared = await self.preparers[request.platform](request.intake, request.destination)
            if prepared is None:
                await self.books.run(
                    lambda: self.inbox.set_aside(request.event_id, self.owner, self.clock())
                )
                return
            event, destination = prepared
            kept = await self.books.run(
                lambda: self.inbox.prepare(
                    event,
                    destination,
                    self.clock(),
                    owner=self.owner,
                    lease=self.lease,
                    pending=self.processes,
                )
            )
            if not kept:
                log.warning("inbox: lease lost before preparing event_id=%s", request.event_id)
                return
        except Exception:
            log.exception("inbox: preparing failed event_id=%s", request.event_id)
            return
        finally:
            self._held.discard(request.event_id)
        if self.processes:
            # Its receiver may have answered it without preparing it first, and died before
            # finishing: a retake then answers what was recorded, or runs idempotently.
            retake = request.attempts > 1
            taken = Taken(
                event.event_id,
                request.platform,
                event,
                destination,
                request.attempts,
                retake,
                False,
            )
            await self._run_taken(taken)
        else:
            self.wake()

    async def _run_taken(self, taken: Taken) -> None:
        self._held.add(taken.event_id)
        # Delivered from here at once when this process has the adapter (no round through
        # the outbox's queue); else the outbox's deliverers are told.
        posting_here = taken.platform in self.deliverers
        deliver_for = self.lease if posting_here else None
        finished: bool | None = False
        replies: list[Reply] = []
        try:
            if taken.attempts > MAX_ATTEMPTS:
                log.error("inbox: giving up after %d attempts event_id=%s", MAX_ATTEMPTS, taken)
                replies = [Reply(SORRY)]
                finished = None
            else:
                finishing = self.inbox.finishing(
                    taken, self.owner, self.clock, deliver_for=deliver_for
                )
                replies = await self._answer(taken, finishing)
                finished = finishing.finished
            if finished is None:
                finished = await self._finish(taken, replies, posting_here=posting_here)
            if not finished:
                log.warning("inbox: lease lost before finishing event_id=%s", taken.event_id)
        except Exception:
            # The lease runs out and someone (maybe this process) tries again.
            log.exception("inbox: event failed event_id=%s", taken.event_id)
            finished = False
        finally:
            self._held.discard(taken.event_id)
        self._freed()
        if finished and replies and posting_here:
            await self._post(taken, replies)

    async def _post(self, taken: Taken, replies: list[Reply]) -> None:
        """Post the replies of an event this process answered from the inbox (its adapter
        is here), then mark them sent; if they don't all get through, the outbox tries
        again once this process's hold on them runs out."""
        self._posting[taken.event_id] = time.monotonic()
        outgoing = Outgoing(0, taken.event_id, taken.platform, taken.destination, replies, 1)
        try:
            posted = await self.deliverers[taken.platform](outgoing)
        except Exception:
            log.exception("outbox: delivery failed event_id=%s", taken.event_id)
            posted = False
        await self.delivered(taken.event_id, posted=posted)

    async def _answer(
        self, taken: Taken, on_answer: Callable[[list[Reply]], None] | None = None
    ) -> list[Reply]:
        replies = await self.runner.run(
            lambda: self.assistant.handle(taken.event, retake=taken.retake, on_answer=on_answer)
        )
        assert isinstance(replies, list)
        return replies

    async def _deliver_due(self, *, deadline: float | None = None) -> int:
        """Deliver replies that are due (a batch); how many were held for delivery."""
        if not self.deliverers:
            return 0
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
            if self._posted_here(outgoing.event_id):
                continue  # held until its lease runs out; looked at again then
            if self.clock() >= until:
                # The lease ran out while earlier ones were delivered: another process may
                # hold these replies now, and a person must not get them twice.
                log.warning("outbox: lease ran out before delivery event_id=%s", outgoing.event_id)
                continue
            await self._deliver(outgoing)
        return len(due)

    def _posted_here(self, event_id: str) -> bool:
        """An adapter of this process is still posting the answer to ``event_id``."""
        since = self._posting.get(event_id)
        if since is None:
            return False
        if time.monotonic() - since < POSTING_GRACE_SECONDS:
            return True
        self._posting.pop(event_id, None)  # it failed without saying so: the outbox tries
        return False

    async def _deliver(self, outgoing: Outgoing) -> None:
        deliver = self.deliverers[outgoing.platform]
        try:
            ok = await deliver(outgoing)
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
        if self._listener is not None:
            self._listener.stop()
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
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._sent_marks.drain(), timeout=max(0.01, deadline - time.monotonic())
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
