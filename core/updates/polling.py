"""Polling: one query per interval for tracked tickets with activity past a stored watermark.

A job with an explicit :meth:`Poller.poll` (one round) so that whoever runs it (the server's
update job) decides when, and a lease can later make sure only one replica does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from core.updates.model import TicketTouched
from core.updates.service import UpdateService

log = logging.getLogger("ticketbot.updates")


class PollStore(Protocol):
    def tracked_ticket_ids(self, backend: str) -> list[int]: ...

    def get_state(self, name: str) -> str | None: ...

    def put_state(self, name: str, value: str, now: datetime) -> None: ...


class PollSource(Protocol):
    backend: str

    def touched_since(self, ticket_ids: Sequence[int], since: datetime) -> list[TicketTouched]:
        """Tracked tickets with activity after ``since``, in a fixed number of requests."""
        ...

    def busy(self) -> bool:
        """True when the backend's request budget is nearly spent (skip this round)."""
        ...


class Poller:
    """One polling round at a time; the watermark survives restarts."""

    def __init__(
        self,
        store: PollStore,
        source: PollSource,
        service: UpdateService,
        clock: Callable[[], datetime],
        *,
        interval: timedelta,
    ) -> None:
        self.store = store
        self.source = source
        self.service = service
        self.clock = clock
        self.interval = interval
        self._next_at: datetime | None = None

    @property
    def state_name(self) -> str:
        return f"poll:{self.source.backend}"

    def due(self) -> bool:
        return self._next_at is None or self.clock() >= self._next_at

    def poll(self) -> int:
        """One round: the number of new signals recorded."""
        now = self.clock()
        self._next_at = now + self.interval
        if self.source.busy():
            # Near the hourly threshold: wait a longer while (the person's own requests first).
            self._next_at = now + self.interval * 4
            log.warning("update polling paused: the backend's request budget is nearly spent")
            return 0
        ids = self.store.tracked_ticket_ids(self.source.backend)
        raw = self.store.get_state(self.state_name)
        mark = datetime.fromisoformat(raw) if raw else now - self.interval
        if not ids:
            self.store.put_state(self.state_name, now.isoformat(), now)
            return 0
        touched = self.source.touched_since(ids, mark)
        recorded = sum(1 for signal in touched if self.service.touched(signal))
        newest = max((signal.at for signal in touched), default=mark)
        self.store.put_state(self.state_name, max(newest, mark).isoformat(), now)
        return recorded
