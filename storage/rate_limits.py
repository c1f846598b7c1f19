"""Token buckets in the database (implements :class:`core.ports.RateLimiter`), so limits hold
across restarts and across processes sharing the database."""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.ports import Bucket, RateDecision, RatePolicy
from storage.db import Database
from storage.models import RateBucketRow

log = logging.getLogger(__name__)

# How long a take may keep losing the compare-and-set to other processes before it lets the
# request through uncharged: a limit protects against floods, a clash is not one.
_CLASH_BUDGET_SECONDS = 2.0


class SqlRateLimiter:
    """Implements :class:`core.ports.RateLimiter` with one row per bucket.

    A take reads the row, computes the refill since ``updated_at`` and writes the new level
    only if nobody changed the row meanwhile (compare-and-set on ``version``): concurrent
    workers never spend the same token twice. Within one process takes run one at a time, so
    a clash can only come from another process; it is retried (with a short random backoff)
    and never turned into a refusal.
    """

    def __init__(self, database: Database, policy: RatePolicy) -> None:
        self._db = database
        self.policy = policy
        self._turn = threading.Lock()

    def take(
        self, key: str, cost: float, bucket: Bucket, now: datetime, *, consume: bool = True
    ) -> RateDecision:
        cost = min(max(cost, 0.0), bucket.capacity)
        with self._turn:
            deadline = time.monotonic() + _CLASH_BUDGET_SECONDS
            clashes = 0
            while True:
                row = self._load(key, bucket, now)
                if row is not None:  # None: created by someone else a moment ago, read theirs
                    tokens = _level(row.tokens, row.updated_at, bucket, now)
                    if tokens + 1e-9 < cost:
                        return RateDecision(False, tokens, _seconds_until(cost - tokens, bucket))
                    if not consume:
                        return RateDecision(True, tokens)
                    if self._store(key, row.version, tokens - cost, max(now, row.updated_at)):
                        return RateDecision(True, tokens - cost)
                clashes += 1
                if time.monotonic() > deadline:
                    log.warning("rate bucket %s contended (%d clashes): not charged", key, clashes)
                    return RateDecision(True, tokens if row is not None else bucket.capacity)
                time.sleep(random.uniform(0, min(0.05, 0.001 * 2**clashes)))

    def _load(self, key: str, bucket: Bucket, now: datetime) -> RateBucketRow | None:
        with self._db.sessions() as session:
            row = session.get(RateBucketRow, key)
            if row is not None:
                return row
            row = RateBucketRow(key=key, tokens=bucket.capacity, updated_at=now, version=0)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
            return row

    def _store(self, key: str, version: int, tokens: float, at: datetime) -> bool:
        with self._db.sessions() as session:
            result = session.execute(
                update(RateBucketRow)
                .where(RateBucketRow.key == key, RateBucketRow.version == version)
                .values(tokens=tokens, updated_at=at, version=version + 1)
            )
            session.commit()
        return bool(getattr(result, "rowcount", 0))

    def level(self, key: str, bucket: Bucket, now: datetime) -> float:
        """The bucket's tokens at ``now`` (full if it was never used); for tests and tools."""
        with self._db.sessions() as session:
            row = session.scalars(select(RateBucketRow).where(RateBucketRow.key == key)).first()
        if row is None:
            return bucket.capacity
        return _level(row.tokens, row.updated_at, bucket, now)


def _level(tokens: float, since: datetime, bucket: Bucket, now: datetime) -> float:
    elapsed = max(0.0, (now - since).total_seconds())  # a clock that stepped back refills nothing
    return min(bucket.capacity, tokens + elapsed * bucket.refill_per_second)


def _seconds_until(missing: float, bucket: Bucket) -> float:
    if bucket.refill_per_second <= 0:
        return math.inf
    return missing / bucket.refill_per_second
