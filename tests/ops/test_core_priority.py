"""The core's threads run at a lower CPU priority than the event loop, so that when they keep
the CPU busy the loop is woken first and acknowledgements keep their pace (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from bots.server import CORE_NICENESS, lower_priority_of_this_thread


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_a_core_thread_runs_below_the_thread_that_started_it() -> None:
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []

    def core_thread() -> None:
        lower_priority_of_this_thread()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    worker = threading.Thread(target=core_thread)
    worker.start()
    worker.join(5)

    assert seen == [min(19, mine + CORE_NICENESS)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # loop unchanged
