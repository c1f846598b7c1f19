"""Token buckets in the database (implements :class:`core.ports.RateLimiter`), so limits hold
across restarts and across processes sharing the database.

Inside a unit of work (:mod:`storage.unit_of_work`: an event being handled) a take costs no
statement of its own: the bucket was read with the event's first query, the decision is made
against that level less what the event already took, and the charge is written with the
event's one transaction. Two messages of one person handled at the same moment may then both
pass on the last token; the charge is taken in full all the same (the bucket can go below
zero), so the person waits it off and the limit holds over time."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, Double, TextClause, bindparam, text
from sqlalchemy.exc import OperationalError

from core.ports import Bucket, RateDecision, RatePolicy
from storage.db import Database, UtcDateTime
from storage.unit_of_work import BucketRow, Debit, UnitOfWork, current_unit

log = logging.getLogger(__name__)

# How long a take may keep finding SQLite locked by other processes before it lets the request
# through uncharged: a limit protects against floods, a clash is not one.
_CLASH_BUDGET_SECONDS = 2.0

# Seconds from the row's ``updated_at`` to ``:now``, per dialect. SQLite keeps the time as text
# ('2026-11-04 09:00:00.000000'): whole seconds via strftime plus the microseconds, rather than
# julianday(), whose doubles lose tens of microseconds.
_ELAPSED = {
    "sqlite": "(CAST(strftime('%s', :now) AS INTEGER)"
    " - CAST(strftime('%s', rate_buckets.updated_at) AS INTEGER)"
    " + CAST(substr(:now, 20) AS REAL) - CAST(substr(rate_buckets.updated_at, 20) AS REAL))",
    "postgresql": "CAST(EXTRACT(EPOCH FROM (:now - rate_buckets.updated_at)) AS DOUBLE PRECISION)",
}

# One statement: a new bucket starts full less the cost; an existing one is refilled since
# ``updated_at`` (capped at the capacity; a clock that stepped back refills nothing) and charged
# only if it holds the cost, else left alone and no row comes back. The row lock taken by the
# upsert makes concurrent takers queue, so no token is spent twice and none is refused for a clash.
_TAKE = """
INSERT INTO rate_buckets (key, tokens, updated_at, version)
VALUES (:key, :capacity - :cost, :now, 1)
ON CONFLICT (key) DO UPDATE SET
    tokens = {level} - :cost,
    updated_at = CASE WHEN rate_buckets.updated_at > :now THEN rate_buckets.updated_at
                 ELSE :now END,
    version = rate_buckets.version + 1
WHERE {level} + 1e-9 >= :cost
RETURNING tokens
"""
_LEVEL = """(CASE WHEN rate_buckets.updated_at >= :now THEN rate_buckets.tokens
     WHEN rate_buckets.tokens + {elapsed} * :rate > :capacity THEN :capacity
     ELSE rate_buckets.tokens + {elapsed} * :rate END)"""


# A unit of work's charges: the same refill, taken whether or not the bucket holds the cost
# (the decision was made before), for every bucket the event used, in one statement.
_CHARGE = """
INSERT INTO rate_buckets (key, tokens, updated_at, version)
VALUES (:key, :capacity - :cost, :now, 1)
ON CONFLICT (key) DO UPDATE SET
    tokens = {level} - :cost,
    updated_at = CASE WHEN rate_buckets.updated_at > :now THEN rate_buckets.updated_at
                 ELSE :now END,
    version = rate_buckets.version + 1
"""

_LOOK = text("SELECT tokens, updated_at FROM rate_buckets WHERE key = :key").columns(
    tokens=Double(), updated_at=UtcDateTime()
)


def _take_statement(dialect: str, sql: str = _TAKE) -> TextClause:
    level = _LEVEL.format(elapsed=_ELAPSED[dialect])
    return text(sql.format(level=level)).bindparams(bindparam("now", type_=UtcDateTime()))


_CHARGES = {dialect: _take_statement(dialect, _CHARGE) for dialect in _ELAPSED}


def charge_all(connection: Connection, debits: Mapping[str, Debit]) -> None:
    """Charge every held debit, in one statement (the unit of work's transaction)."""
    connection.execute(
        _CHARGES[connection.dialect.name],
        [
            {
                "key": key,
                "cost": debit.cost,
                "capacity": debit.capacity,
                "rate": debit.rate,
                "now": debit.now,
            }
            for key, debit in sorted(debits.items())  # one order: no deadlock between events
        ],
    )


class SqlRateLimiter:
    """Implements :class:`core.ports.RateLimiter` with one row per bucket.

    A take is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` and one commit: the database
    computes the refill and charges the bucket atomically, so concurrent workers and processes
    never spend the same token twice, and a full bucket never refuses. Only a refusal reads the
    row again, to say when to retry. A look (``consume=False``) is a plain read.
    """

    def __init__(self, database: Database, policy: RatePolicy) -> None:
        self._db = database
        self.policy = policy
        self._take = _take_statement(database.dialect)

    def take(
        self, key: str, cost: float, bucket: Bucket, now: datetime, *, consume: bool = True
    ) -> RateDecision:
        cost = min(max(cost, 0.0), bucket.capacity)
        unit = current_unit(self._db)
        if unit is not None:
            return self._take_held(unit, key, cost, bucket, now, consume=consume)
        if not consume:
            tokens = self.level(key, bucket, now)
            if tokens + 1e-9 < cost:
                return RateDecision(False, tokens, _seconds_until(cost - tokens, bucket))
            return RateDecision(True, tokens)
        left = self._charge(key, cost, bucket, now)
        if left is not None:
            return RateDecision(True, left)
        tokens = self.level(key, bucket, now)
        return RateDecision(False, tokens, _seconds_until(max(cost - tokens, 0.0), bucket))

    def _take_held(
        self,
        unit: UnitOfWork,
        key: str,
        cost: float,
        bucket: Bucket,
        now: datetime,
        *,
        consume: bool,
    ) -> RateDecision:
        """A take inside a unit of work: decided on the level read at its start (or now, for a
        bucket it did not read), charged with its transaction."""
        row = unit.buckets.get(key)
        if row is None:
            row = unit.buckets[key] = self._read(key)
        tokens = (
            bucket.capacity
            if row.tokens is None or row.updated_at is None
            else _level(row.tokens, row.updated_at, bucket, now)
        ) - unit.debited(key)
        if tokens + 1e-9 < cost:
            return RateDecision(False, tokens, _seconds_until(cost - tokens, bucket))
        if consume and cost > 0:
            unit.debit(key, cost, bucket.capacity, bucket.refill_per_second, now)
            tokens -= cost
        return RateDecision(True, tokens)

    def _read(self, key: str) -> BucketRow:
        with self._db.engine.connect() as connection:
            row = connection.execute(_LOOK, {"key": key}).first()
        return BucketRow(None, None) if row is None else BucketRow(row.tokens, row.updated_at)

    def _charge(self, key: str, cost: float, bucket: Bucket, now: datetime) -> float | None:
        """The tokens left after taking ``cost``, or None when the bucket holds too few."""
        params = {
            "key": key,
            "cost": cost,
            "capacity": bucket.capacity,
            "rate": bucket.refill_per_second,
            "now": now,
        }
        deadline = time.monotonic() + _CLASH_BUDGET_SECONDS
        clashes = 0
        while True:
            try:
                with self._db.writing(), self._db.engine.begin() as connection:
                    left = connection.execute(self._take, params).scalar()
                return None if left is None else float(left)
            except OperationalError as exc:
                if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                    raise
                # Another process held SQLite's write lock past the busy timeout.
                clashes += 1
                if time.monotonic() > deadline:
                    log.warning("rate bucket %s contended (%d clashes): not charged", key, clashes)
                    return self.level(key, bucket, now)
                time.sleep(random.uniform(0, min(0.05, 0.001 * 2**clashes)))

    def level(self, key: str, bucket: Bucket, now: datetime) -> float:
        """The bucket's tokens at ``now`` (full if it was never used): one plain read."""
        row = self._read(key)
        if row.tokens is None or row.updated_at is None:
            return bucket.capacity
        return _level(row.tokens, row.updated_at, bucket, now)


def _level(tokens: float, since: datetime, bucket: Bucket, now: datetime) -> float:
    elapsed = max(0.0, (now - since).total_seconds())  # a clock that stepped back refills nothing
    return min(bucket.capacity, tokens + elapsed * bucket.refill_per_second)


def _seconds_until(missing: float, bucket: Bucket) -> float:
    if bucket.refill_per_second <= 0:
        return math.inf
    return missing / bucket.refill_per_second
