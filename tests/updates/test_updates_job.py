"""The update job's stop: a round already running in a thread finishes before ``stop`` returns,
so nothing polls or processes after the job is stopped (tests that drive the rounds themselves,
and a shutdown that closes the database, rely on it)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bots.updates.job import UpdatesJob
from core.updates.polling import Poller
from core.updates.service import Dispatcher
from storage.db import Database
from storage.updates import SqlUpdateStore
from tests.support import FakeClock

pytestmark = pytest.mark.anyio


class HeldPoller(Poller):
    """A poll that stays in its thread until released."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()

    def due(self) -> bool:
        return True

    def poll(self) -> int:
        self.started.set()
        self.release.wait(30)
        self.finished.set()
        return 0


async def test_stop_waits_for_the_poll_running_in_its_thread(database: Database) -> None:
    poller = HeldPoller()
    dispatcher = Dispatcher(SqlUpdateStore(database), {}, FakeClock())
    job = UpdatesJob(None, dispatcher, poller=poller, tick_seconds=60)
    job.start()
    assert await asyncio.to_thread(poller.started.wait, 30)

    stopping = asyncio.ensure_future(job.stop())
    done, _ = await asyncio.wait([stopping], timeout=0.2)
    poller.release.set()
    await stopping

    assert not done  # not stopped while the poll was still running
    assert poller.finished.is_set()
