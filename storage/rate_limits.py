"""Token buckets in the database (implements :class:`core.ports.RateLimiter`), so limits hold
across restarts and across processes sharing the database."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.ports import Bucket, RateDecision, RatePolicy
from storage.db import Database
from storage.models import RateBucketRow

_ATTEMPTS = 8


class SqlRateLimiter:
    """Implements :class:`core.ports.RateLimiter` with one row per bucket.

    A take reads the row, computes the refill since ``updated_at`` and writes the new level
    only if nobody changed the row meanwhile (compare-and-set on ``version``), retrying on a
    clash: concurrent workers never spend the same token twice.
    """

    def __init__(self, database: Database, policy: RatePolicy) -> None:
        self._db = database
        self.policy = policy

    def take(
        self, key: str, cost: float, bucket: Bucket, now: datetime, *, consume: bool = True
    ) -> RateDecision:
        cost = min(max(cost, 0.0), bucket.capacity)
        for _ in range(_ATTEMPTS):
            row = self._load(key, bucket, now)
            if row is None:
                continue  # created by someone else a moment ago: read theirs
            tokens = _level(row.tokens, row.updated_at, bucket, now)
            if tokens + 1e-9 < cost:
                return RateDecision(False, tokens, _seconds_until(cost - tokens, bucket))
            if not consume:
                return RateDecision(True, tokens)
            if self._store(key, row.version, tokens - cost, max(now, row.updated_at)):
                return RateDecision(True, tokens - cost)
        # Heavy contention on one bucket: refuse briefly rather than overspend.
        return RateDecision(False, 0.0, _seconds_until(cost, bucket))

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
