"""Group commit: small writes that arrive while one is being written go together in the next.

A burst of requests (each one to be kept before it is acknowledged, each answer to be marked
sent) would otherwise cost a transaction apiece and queue on the database's writer one by one.
Here the first write goes at once; those that arrive meanwhile wait for it and then go in one
transaction together. Nothing waits for a timer, so a lone write is as fast as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Runs a blocking call off the event loop (a thread pool's ``run``).
RunOff = Callable[[Callable[[], object]], Awaitable[object]]


@dataclass
class _Batch(Generic[T]):
    done: asyncio.Future[Sequence[object]]
    items: list[T] = field(default_factory=list)


class GroupCommit(Generic[T, R]):
    """Calls ``write(items)`` (blocking, off the event loop through ``run``) for the items
    submitted together; ``write`` returns one result per item, in order. At most
    ``concurrency`` writes run at a time (a database that takes writers side by side, as
    PostgreSQL does, is not made to queue them); at most ``limit`` items go in one."""

    def __init__(
        self,
        write: Callable[[list[T]], Sequence[R]],
        run: RunOff,
        *,
        limit: int = 256,
        concurrency: int = 1,
    ) -> None:
        self._write = write
        self._run = run
        self._limit = limit
        self._open: _Batch[T] | None = None
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        """Write ``item`` with whatever else is submitted before its write starts; its result.
        Raises what the write raised (for every item of that write)."""
        batch = self._open
        if batch is None or len(batch.items) >= self._limit:
            batch = self._open = _Batch(asyncio.get_running_loop().create_future())
            task = asyncio.create_task(self._commit(batch), name="group-commit")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        index = len(batch.items)
        batch.items.append(item)
        # Shielded: a caller that gives up does not cancel the write the others wait for.
        results = await asyncio.shield(batch.done)
        return results[index]  # type: ignore[return-value]

    async def _commit(self, batch: _Batch[T]) -> None:
        async with self._slots:  # a write under way first; this batch fills meanwhile
            if self._open is batch:
                self._open = None
            items = list(batch.items)
            try:
                results = await self._run(lambda: self._write(items))
            except asyncio.CancelledError:
                batch.done.cancel()
                raise
            except Exception as exc:
                batch.done.set_exception(exc)
                batch.done.add_done_callback(_retrieved)
            else:
                assert isinstance(results, Sequence)
                batch.done.set_result(results)

    async def drain(self) -> None:
        """Wait for the writes submitted so far."""
        while self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.gather(*set(self._tasks), return_exceptions=True)


def _retrieved(future: asyncio.Future[Sequence[object]]) -> None:
    # Every caller was told (or gave up): the exception is not "never retrieved".
    if not future.cancelled():
        future.exception()
