"""Shared reads: single flight, batching, time-to-live and invalidation, with a fetch the test
holds and releases (no timing)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import timedelta

import pytest

from core.backends.coalesced import CoalescedReads
from core.errors import BackendUnavailable
from tests.support import FakeClock


class HeldFetch:
    """Answers ``key * 10`` (``None`` for negative keys); holds each fetch until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Semaphore(0)
        self.gate = threading.Event()
        self.gate.set()
        self.fail: Exception | None = None

    def __call__(self, keys: Sequence[int]) -> Mapping[int, int | None]:
        self.batches.append(list(keys))
        self.started.release()
        assert self.gate.wait(timeout=10)
        if self.fail is not None:
            raise self.fail
        return {key: key * 10 for key in keys if key >= 0}


def reads(
    fetch: HeldFetch, clock: FakeClock, *, ttl: float = 5, parallel: int = 1
) -> CoalescedReads[int, int]:
    return CoalescedReads(
        fetch,
        clock=clock,
        ttl=timedelta(seconds=ttl),
        negative_ttl=timedelta(seconds=1),
        max_batch=500,
        parallel=parallel,
    )


def in_threads(count: int, target: object) -> list[threading.Thread]:
    threads = [threading.Thread(target=target) for _ in range(count)]  # type: ignore[arg-type]
    for thread in threads:
        thread.start()
    return threads


def wait_queued(shared: CoalescedReads[int, int], count: int) -> None:
    """Until ``count`` keys wait for the next batch (the test looks inside on purpose)."""
    for _ in range(10_000):
        with shared._cond:
            if len(shared._queue) >= count:
                return
        threading.Event().wait(0.001)
    raise AssertionError("the keys never queued")


def wait_started(fetch: HeldFetch, count: int) -> None:
    for _ in range(10_000):
        if len(fetch.batches) >= count:
            return
        threading.Event().wait(0.001)
    raise AssertionError("the fetch never started")


def test_identical_reads_in_flight_are_one_fetch() -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock)
    fetch.gate.clear()
    answers: list[int | None] = []
    threads = in_threads(20, lambda: answers.append(shared.get(7)))
    assert fetch.started.acquire(timeout=10)
    fetch.gate.set()
    for thread in threads:
        thread.join()
    assert answers == [70] * 20
    assert fetch.batches == [[7]]


def test_keys_asked_while_a_fetch_is_in_flight_go_out_together() -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock)
    fetch.gate.clear()
    first = in_threads(1, lambda: shared.get(1))
    assert fetch.started.acquire(timeout=10)
    later = [threading.Thread(target=shared.get, args=(key,)) for key in (2, 3, 4, 2)]
    for thread in later:
        thread.start()
    wait_queued(shared, 3)
    fetch.gate.set()
    for thread in first + later:
        thread.join()
    assert fetch.batches == [[1], [2, 3, 4]]


def test_answers_are_kept_for_the_ttl_and_not_found_for_less() -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock)
    assert shared.get_many([1, -1]) == {1: 10, -1: None}
    clock.advance(seconds=0.5)
    assert shared.get_many([1, -1]) == {1: 10, -1: None}
    assert fetch.batches == [[1, -1]]
    clock.advance(seconds=1)  # past the negative ttl only
    shared.get_many([1, -1])
    assert fetch.batches == [[1, -1], [-1]]
    clock.advance(seconds=4)
    shared.get(1)
    assert fetch.batches[-1] == [1]


def test_invalidate_forgets_and_a_read_in_flight_is_neither_joined_nor_kept() -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock, parallel=2)
    shared.get(5)
    shared.invalidate(5)
    shared.get(5)
    assert fetch.batches == [[5], [5]]
    fetch.gate.clear()
    early = in_threads(1, lambda: shared.get(6))
    wait_started(fetch, 3)
    shared.invalidate(6)  # the bot wrote to 6 while an older read was in flight
    late = in_threads(1, lambda: shared.get(6))
    wait_started(fetch, 4)  # a new read, not the old one joined
    fetch.gate.set()
    for thread in early + late:
        thread.join()
    assert fetch.batches == [[5], [5], [6], [6]]
    shared.get(6)  # the new read is kept
    assert len(fetch.batches) == 4


def test_a_failed_fetch_reaches_every_caller_and_keeps_nothing() -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock)
    fetch.gate.clear()
    fetch.fail = BackendUnavailable("down")
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            shared.get(3)
        except BackendUnavailable as exc:
            errors.append(exc)

    threads = in_threads(5, ask)
    assert fetch.started.acquire(timeout=10)
    fetch.gate.set()
    for thread in threads:
        thread.join()
    assert len(errors) == 5
    fetch.fail = None
    assert shared.get(3) == 30
    assert len(fetch.batches) == 2


def test_a_zero_ttl_still_shares_reads_in_flight_but_keeps_nothing() -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock, ttl=0)
    shared.get(1)
    shared.get(1)
    assert fetch.batches == [[1], [1]]
    shared.put(1, 99)
    assert shared.peek(1) is None


@pytest.mark.parametrize("parallel", [1, 3])
def test_no_more_fetches_run_at_once_than_allowed(parallel: int) -> None:
    fetch, clock = HeldFetch(), FakeClock()
    shared = reads(fetch, clock, parallel=parallel)
    fetch.gate.clear()
    threads = [threading.Thread(target=shared.get, args=(key,)) for key in range(12)]
    for thread in threads:
        thread.start()
    wait_started(fetch, 1)
    for _ in range(10_000):  # until every key is in a fetch or waiting for one
        with shared._cond:
            if sum(map(len, fetch.batches)) + len(shared._queue) == 12:
                break
        threading.Event().wait(0.001)
    assert 1 <= len(fetch.batches) <= parallel  # the other keys wait for a free slot
    fetch.gate.set()
    for thread in threads:
        thread.join()
    assert sorted(key for batch in fetch.batches for key in batch) == list(range(12))
    assert len(fetch.batches) <= parallel + 1 + 1  # the first ones alone, the rest together
