"""The update job: every few seconds, turn due signals into messages (and poll, when it is
time), then send what the outbox holds. Runs beside the server's request handling, never in
its way: the blocking parts run in threads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from core.updates.polling import Poller
from core.updates.service import Dispatcher, UpdateService

log = logging.getLogger("ticketbot.updates")
# Processed signals and finished messages are kept this long (redeliveries come within hours).
KEEP = timedelta(days=30)
PURGE_EVERY_ROUNDS = 1800  # about an hour at one round every 2 s

T = TypeVar("T")


class UpdatesJob:
    """Start it once (:meth:`start`), stop it at shutdown (:meth:`stop`)."""

    def __init__(
        self,
        service: UpdateService | None,
        dispatcher: Dispatcher,
        *,
        poller: Poller | None = None,
        tick_seconds: float = 2.0,
    ) -> None:
        self.service = service
        self.dispatcher = dispatcher
        self.poller = poller
        self.tick_seconds = tick_seconds
        self._task: asyncio.Task[None] | None = None
        self._in_flight: asyncio.Future[Any] | None = None

    async def _in_thread(self, work: Callable[[], T]) -> T:
        """``work`` in a thread that :meth:`stop` waits for: a cancelled round must not go on
        polling or processing after the job is stopped (a thread cannot be cancelled)."""
        future: asyncio.Future[T] = asyncio.ensure_future(asyncio.to_thread(work))
        self._in_flight = future
        return await asyncio.shield(future)

    async def tick(self) -> int:
        """One round; the number of messages sent."""
        if self.poller is not None and self.poller.due():
            try:
                await self._in_thread(self.poller.poll)
            except Exception:
                log.exception("update polling failed")
        if self.service is not None:
            try:
                await self._in_thread(self.service.process_due)
            except Exception:
                log.exception("update processing failed")
        return await self.dispatcher.deliver_due()

    async def _purge(self) -> None:
        store = getattr(self.dispatcher.store, "purge_before", None)
        if store is None:
            return
        try:
            since = self.dispatcher.clock() - KEEP
            await self._in_thread(lambda: store(since))
        except Exception:
            log.exception("update history not purged")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="updates")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            await asyncio.wait([in_flight])
            if not in_flight.cancelled() and in_flight.exception() is not None:
                log.error("update round failed while stopping", exc_info=in_flight.exception())

    async def _run(self) -> None:
        rounds = 0
        while True:
            if rounds % PURGE_EVERY_ROUNDS == 0:
                await self._purge()
            rounds += 1
            try:
                await self.tick()
            except Exception:
                log.exception("update round failed")
            await asyncio.sleep(self.tick_seconds)
