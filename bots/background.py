"""Work that runs after a platform request is acknowledged.

Each piece is a tracked task, so a listener returns at once (the acknowledgement never waits for
the core) and shutdown can wait for what is still in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

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
