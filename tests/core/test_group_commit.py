"""Group commit: what arrives while a write runs goes in the next one, together; nothing waits
for a timer; a failed write fails every item in it, and only those."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from bots.group_commit import GroupCommit


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Writes:
    """A blocking ``write`` that records each call's items; the first call can be held."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.hold_first = threading.Event()
        self.hold_first.set()
        self.fail_with: str | None = None
        self.started = 0

    def __call__(self, items: list[str]) -> list[str]:
        self.started += 1
        if self.started == 1:
            self.hold_first.wait(5)
        self.calls.append(items)
        if self.fail_with is not None and self.fail_with in items:
            raise RuntimeError(f"write failed at {self.fail_with}")
        return [item.upper() for item in items]


async def off_loop(fn: Callable[[], object]) -> object:
    return await asyncio.to_thread(fn)


@pytest.mark.anyio
async def test_a_lone_item_is_written_at_once_and_gets_its_own_result() -> None:
    writes = Writes()
    commit: GroupCommit[str, str] = GroupCommit(writes, off_loop)

    assert await asyncio.wait_for(commit.submit("a"), 5) == "A"
    assert writes.calls == [["a"]]


@pytest.mark.anyio
async def test_items_arriving_during_a_write_go_together_in_the_next() -> None:
    writes = Writes()
    writes.hold_first.clear()
    commit: GroupCommit[str, str] = GroupCommit(writes, off_loop)

    first = asyncio.create_task(commit.submit("first"))
    await asyncio.sleep(0.05)  # the first write has started and is held
    burst = [asyncio.create_task(commit.submit(f"n{i}")) for i in range(20)]
    await asyncio.sleep(0.05)
    writes.hold_first.set()

    assert await first == "FIRST"
    assert await asyncio.gather(*burst) == [f"N{i}" for i in range(20)]
    assert writes.calls == [["first"], [f"n{i}" for i in range(20)]]


@pytest.mark.anyio
async def test_a_batch_holds_at_most_the_limit() -> None:
    writes = Writes()
    writes.hold_first.clear()
    commit: GroupCommit[str, str] = GroupCommit(writes, off_loop, limit=4)

    first = asyncio.create_task(commit.submit("first"))
    await asyncio.sleep(0.05)
    burst = [asyncio.create_task(commit.submit(f"n{i}")) for i in range(10)]
    await asyncio.sleep(0.05)
    writes.hold_first.set()
    await asyncio.gather(first, *burst)

    assert [len(call) for call in writes.calls] == [1, 4, 4, 2]


@pytest.mark.anyio
async def test_a_failed_write_fails_its_own_items_only() -> None:
    writes = Writes()
    writes.hold_first.clear()
    writes.fail_with = "bad"
    commit: GroupCommit[str, str] = GroupCommit(writes, off_loop)

    first = asyncio.create_task(commit.submit("first"))
    await asyncio.sleep(0.05)
    together = [asyncio.create_task(commit.submit(item)) for item in ("x", "bad", "y")]
    await asyncio.sleep(0.05)
    writes.hold_first.set()

    assert await first == "FIRST"
    for task in together:
        with pytest.raises(RuntimeError, match="write failed at bad"):
            await task
    writes.fail_with = None
    assert await commit.submit("later") == "LATER"


@pytest.mark.anyio
async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    writes = Writes()
    writes.hold_first.clear()
    commit: GroupCommit[str, str] = GroupCommit(writes, off_loop)

    first = asyncio.create_task(commit.submit("first"))
    await asyncio.sleep(0.05)
    quitter = asyncio.create_task(commit.submit("quitter"))
    stayer = asyncio.create_task(commit.submit("stayer"))
    await asyncio.sleep(0.05)
    quitter.cancel()
    writes.hold_first.set()

    assert await first == "FIRST"
    assert await stayer == "STAYER"
    assert writes.calls[-1] == ["quitter", "stayer"]  # written all the same
    await commit.drain()


@pytest.mark.anyio
async def test_with_room_for_two_writes_a_second_one_does_not_wait_for_the_first() -> None:
    writes = Writes()
    writes.hold_first.clear()
    commit: GroupCommit[str, str] = GroupCommit(writes, off_loop, concurrency=2)

    first = asyncio.create_task(commit.submit("first"))
    await asyncio.sleep(0.05)  # the first write has started and is held
    assert await asyncio.wait_for(commit.submit("second"), 5) == "SECOND"
    writes.hold_first.set()
    assert await first == "FIRST"
    assert writes.calls == [["second"], ["first"]]  # the second went first: it did not wait
