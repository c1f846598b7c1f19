"""Staying inside Autotask's hourly request budget.

Autotask allows about 10,000 requests per rolling hour per tenant database, shared by every
integration; past it the API is suspended for the whole tenant. The meter counts what this bot
sent in the last hour, learns the tenant-wide figure from ``ThresholdInformation`` now and then
(never per request: that would spend the budget it protects), and asks for a pause before each
request once the estimated use passes half of the threshold.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)

# (share of the threshold used, pause before each request in seconds), highest first.
SLOWDOWN_STEPS: tuple[tuple[float, float], ...] = (
    (0.95, 5.0),
    (0.85, 2.0),
    (0.70, 0.5),
    (0.50, 0.1),
)


@dataclass(frozen=True)
class ThresholdStatus:
    """``GET /V1.0/ThresholdInformation``: the tenant's limit and its use in the timeframe."""

    threshold: int
    timeframe_minutes: int
    used: int

    @property
    def share(self) -> float:
        return self.used / self.threshold if self.threshold > 0 else 0.0


def pause_for(share: float) -> float:
    """Seconds to wait before a request when ``share`` of the threshold is used."""
    for limit, pause in SLOWDOWN_STEPS:
        if share >= limit:
            return pause
    return 0.0


class RequestMeter:
    """Counts requests per rolling hour and says when to re-read the threshold and how long to
    pause. Thread-safe."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        check_interval: timedelta = timedelta(minutes=5),
        check_every_requests: int = 500,
    ) -> None:
        self._clock = clock
        self._check_interval = check_interval
        self._check_every = check_every_requests
        self._sent: deque[datetime] = deque()
        self._lock = threading.Lock()
        self._status: ThresholdStatus | None = None
        self._checked_at: datetime | None = None
        self._sent_since_check = 0

    def record(self) -> None:
        """One request went out."""
        with self._lock:
            now = self._clock()
            self._sent.append(now)
            self._sent_since_check += 1
            self._trim(now)

    @property
    def requests_this_hour(self) -> int:
        """Requests this bot sent in the last 60 minutes."""
        with self._lock:
            self._trim(self._clock())
            return len(self._sent)

    @property
    def status(self) -> ThresholdStatus | None:
        """The last threshold figures read from Autotask, if any."""
        return self._status

    def check_due(self) -> bool:
        """True when the threshold should be read again (first use, time or volume)."""
        with self._lock:
            if self._checked_at is None:
                return True
            elapsed = self._clock() - self._checked_at
            return elapsed >= self._check_interval or self._sent_since_check >= self._check_every

    def update(self, status: ThresholdStatus) -> None:
        with self._lock:
            self._status = status
            self._checked_at = self._clock()
            self._sent_since_check = 0

    def postpone_check(self) -> None:
        """The threshold could not be read: try again after the usual interval."""
        with self._lock:
            self._checked_at = self._clock()
            self._sent_since_check = 0

    def estimated_share(self) -> float:
        """Tenant-wide use: the last reading plus what this bot sent since."""
        with self._lock:
            if self._status is None or self._status.threshold <= 0:
                return 0.0
            return (self._status.used + self._sent_since_check) / self._status.threshold

    def pause(self) -> float:
        """Seconds to wait before the next request."""
        return pause_for(self.estimated_share())

    def _trim(self, now: datetime) -> None:
        while self._sent and now - self._sent[0] >= HOUR:
            self._sent.popleft()
