"""Work that runs after a platform request is acknowledged.

Each piece is a tracked task, so a listener returns at once (the acknowledgement never waits for
the core) and shutdown can wait for what is still in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


class BackgroundWork:
    """A set of tracked tasks for one platform adapter (``label`` names it in logs)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` in the background; a failure is logged, never lost silently."""
        task = asyncio.create_task(self._guard(work, name), name=f"{self.label}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait for work in flight (tests, shutdown). True when everything finished."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            if pending:
                return False
        return True

    async def _guard(self, work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await work
        except Exception:
            log.exception("%s work failed: %s", self.label, name)


class ShutdownDeadline:
    """One deadline for the whole shutdown (``TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS`` in total,
    not per stage). Adapters wait for their work with :meth:`remaining`, which keeps a little
    back for releasing inbox leases and delivering answers at the very end."""

    def __init__(self) -> None:
        self._at: float | None = None

    def start(self, timeout: float) -> None:
        if self._at is None:
            self._at = time.monotonic() + timeout

    def at(self, timeout: float) -> float:
        """The deadline, as a ``time.monotonic()`` value (starting it if nobody did)."""
        self.start(timeout)
        assert self._at is not None
        return self._at

    def remaining(self, timeout: float) -> float:
        """Seconds left for a stage, keeping back the last moment (up to 1 s)."""
        at = self.at(timeout)
        reserve = min(1.0, timeout / 5)
        return max(0.0, at - reserve - time.monotonic())


SHUTDOWN_KEY = web.AppKey("shutdown_deadline", ShutdownDeadline)


def shutdown_budget(app: web.Application, timeout: float) -> float:
    """Seconds a shutdown stage of ``app`` may still take (``timeout`` without a deadline)."""
    deadline = app.get(SHUTDOWN_KEY)
    return deadline.remaining(timeout) if deadline is not None else timeout
