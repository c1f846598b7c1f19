"""Reads of a help desk that callers share: identical reads in flight are made once (single
flight), different keys asked at the same time go out together in one request (a batch), and
answers are kept for a time-to-live, dropped early by :meth:`CoalescedReads.invalidate`.

Nothing waits for a batch to fill: the first caller sends its read at once, and the keys asked
while the allowed number of reads are in flight go out together as soon as a slot frees up. So a
burst of fifty people asking about one ticket costs one read, and fifty asking about different
tickets a few.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Entries kept before expired ones are swept (each entry is one ticket or one person).
MAX_ENTRIES = 20_000


class _Call(Generic[V]):
    """One key's read: the callers waiting for it share its answer or its error."""

    __slots__ = ("cacheable", "done", "error", "value")

    def __init__(self) -> None:
        self.done = False
        self.value: V | None = None
        self.error: BaseException | None = None
        self.cacheable = True  # False once invalidated while in flight

    def answer(self) -> V | None:
        if self.error is not None:
            raise self.error
        return self.value


class CoalescedReads(Generic[K, V]):
    """Values by key, each read through ``fetch(keys) -> {key: value}`` (a key it leaves out
    reads as ``None``: not found). Thread-safe.

    ``ttl`` keeps a found value (zero: never kept, reads are still shared while in flight);
    ``negative_ttl`` keeps a ``None`` (default: ``ttl``). At most ``parallel`` fetches run at
    once, each with at most ``max_batch`` keys."""

    def __init__(
        self,
        fetch: Callable[[Sequence[K]], Mapping[K, V | None]],
        *,
        clock: Callable[[], datetime],
        ttl: timedelta,
        negative_ttl: timedelta | None = None,
        max_batch: int = 1,
        parallel: int = 1,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._ttl = ttl
        self._negative_ttl = ttl if negative_ttl is None else min(ttl, negative_ttl)
        self._max_batch = max(1, max_batch)
        self._parallel = max(1, parallel)
        self._cond = threading.Condition()
        self._entries: dict[K, tuple[datetime, V | None]] = {}
        self._calls: dict[K, _Call[V]] = {}  # queued or in flight
        self._queue: list[tuple[K, _Call[V]]] = []
        self._running = 0

    def get(self, key: K) -> V | None:
        """The value of ``key``: kept, joined to a read in flight, or read now."""
        return self.get_many([key])[key]

    def get_many(self, keys: Iterable[K]) -> dict[K, V | None]:
        """The values of ``keys``; the ones not kept are read together (in batches)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[K, V | None] = {}
        mine: dict[K, _Call[V]] = {}
        now = self._clock()
        with self._cond:
            for key in wanted:
                entry = self._entries.get(key)
                if entry is not None and now < entry[0]:
                    found[key] = entry[1]
                    continue
                call = self._calls.get(key)
                if call is None:
                    call = self._calls[key] = _Call()
                    self._queue.append((key, call))
                mine[key] = call
        while not all(call.done for call in mine.values()):
            batch = self._next_batch(mine.values())
            if batch:
                self._run(batch)
        for key, call in mine.items():
            found[key] = call.answer()
        return {key: found[key] for key in wanted}

    def peek(self, key: K) -> V | None:
        """The kept value of ``key`` (``None`` when none is kept); never reads."""
        with self._cond:
            entry = self._entries.get(key)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]

    def put(self, key: K, value: V | None) -> None:
        """Keep ``value`` as read just now (for example the answer to the bot's own write)."""
        with self._cond:
            self._keep(key, value, self._clock())

    def invalidate(self, key: K) -> None:
        """Forget ``key``: the next caller reads it again, and a read already in flight is
        neither joined nor kept (it may have started before the change)."""
        with self._cond:
            self._entries.pop(key, None)
            call = self._calls.pop(key, None)
            if call is not None:
                call.cacheable = False

    def invalidate_where(self, predicate: Callable[[K], bool]) -> None:
        """Forget every key ``predicate`` accepts."""
        with self._cond:
            keys = [key for key in (*self._entries, *self._calls) if predicate(key)]
        for key in keys:
            self.invalidate(key)

    def clear(self) -> None:
        with self._cond:
            for call in self._calls.values():
                call.cacheable = False
            self._entries.clear()
            self._calls.clear()

    # -- internals --------------------------------------------------------------------------

    def _next_batch(self, waiting: Collection[_Call[V]]) -> list[tuple[K, _Call[V]]]:
        """Wait until the caller's reads are done or a slot is free for the next batch."""
        with self._cond:
            while True:
                if all(call.done for call in waiting):
                    return []
                if self._queue and self._running < self._parallel:
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                    self._running += 1
                    return batch
                self._cond.wait()

    def _run(self, batch: list[tuple[K, _Call[V]]]) -> None:
        started = self._clock()
        values: Mapping[K, V | None] = {}
        error: BaseException | None = None
        try:
            values = self._fetch(list(dict.fromkeys(key for key, _ in batch)))
        except BaseException as exc:  # handed to every caller of the batch, then raised
            error = exc
        with self._cond:
            for key, call in batch:
                if self._calls.get(key) is call:
                    del self._calls[key]
                call.value = values.get(key)
                call.error = error
                call.done = True
                if error is None and call.cacheable:
                    self._keep(key, call.value, started)
            self._running -= 1
            self._cond.notify_all()

    def _keep(self, key: K, value: V | None, at: datetime) -> None:
        ttl = self._ttl if value is not None else self._negative_ttl
        if ttl <= timedelta(0):
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._sweep(at)
        self._entries[key] = (at + ttl, value)

    def _sweep(self, now: datetime) -> None:
        for key in [key for key, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]
        if len(self._entries) >= MAX_ENTRIES:  # all alive: drop the half that expires first
            ordered = sorted(self._entries, key=lambda key: self._entries[key][0])
            for key in ordered[: len(ordered) // 2]:
                del self._entries[key]
