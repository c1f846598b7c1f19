"""The server's core pool is sized for waiting and ready before the first request: its threads
exist before the event loop submits anything (starting one from the loop made it wait for the
interpreter lock behind busy threads), and the interpreter switches threads often while serving
so that acknowledgements don't queue behind core work."""

from __future__ import annotations

import asyncio
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bots.server import SPARE_WORKERS, SWITCH_INTERVAL_SECONDS, _start_every_thread, serve
from core.settings import ServerSettings
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.process import free_port
from tests.slack.harness import make_runtime, make_settings


def _threads(prefix: str) -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith(prefix))


def test_every_pool_thread_is_started_up_front() -> None:
    pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="upfront")
    try:
        assert _threads("upfront") == 0

        _start_every_thread(pool, 6)

        assert _threads("upfront") == 6
        # Later calls find a thread waiting for them: none is started on the caller's thread.
        pool.submit(lambda: None).result()
        assert _threads("upfront") == 6
    finally:
        pool.shutdown()


@pytest.mark.anyio
async def test_serving_switches_threads_often_and_sizes_the_pool_for_waiting(
    tmp_path: Path, fake_slack: FakeSlackApi
) -> None:
    settings = make_settings(tmp_path, fake_slack, workers=5)
    settings = settings.model_copy(
        update={"server": ServerSettings(host="127.0.0.1", port=free_port())}
    )
    runtime, _, _ = make_runtime(settings)
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's default, whatever ran before in this process
    seen: dict[str, float] = {}
    stop = asyncio.Event()

    async def ready() -> None:
        seen["interval"] = sys.getswitchinterval()
        seen["threads"] = _threads("core")
        stop.set()

    try:
        await serve(runtime, ready=ready, stop=stop)
        after = sys.getswitchinterval()
    finally:
        runtime.close()
        sys.setswitchinterval(before)

    assert seen["interval"] == SWITCH_INTERVAL_SECONDS
    assert seen["threads"] >= 5 + SPARE_WORKERS  # TICKETBOT_WORKERS plus the adapters' spare
    assert after == 0.005  # given back when the server stops
