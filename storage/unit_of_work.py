"""One event, one transaction: the writes the stores make while an event is handled, held and
written together when it is recorded.

While a :class:`UnitOfWork` is open (:func:`open_unit`, on the thread handling the event), the
stores that share its database hand it their bookkeeping instead of committing on their own:
audit entries, rate-limit charges, ticket tracking. The conversation store writes it all in the
transaction that records the event (its claim and outcome, the turns, the dialogue state), so
the common message costs one commit. Whatever was not written that way (the event failed
before it was recorded) is written when the unit closes; a process that dies (a
``BaseException`` leaving the unit) writes nothing, as it would have died anyway.

The unit never holds a transaction open while the event is handled: on SQLite that would keep
every other writer out, and on PostgreSQL it would hold row locks across network calls.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from storage.db import Base, Database

log = logging.getLogger(__name__)

Write = Callable[[Connection], None]


@dataclass(frozen=True)
class BucketRow:
    """A rate bucket as read at the start of the unit (``None`` fields: no row yet)."""

    tokens: float | None
    updated_at: datetime | None


@dataclass
class Debit:
    """Tokens the unit took from one bucket, charged when it is written."""

    cost: float
    capacity: float
    rate: float
    now: datetime


@dataclass
class UnitOfWork:
    """The writes held for one event on one database."""

    database: Database
    buckets: dict[str, BucketRow] = field(default_factory=dict)
    debits: dict[str, Debit] = field(default_factory=dict)
    # Rows one store read that another store of the same event asks for next (by a key the
    # two agree on), as they will be once the unit is written.
    seen: dict[object, Any] = field(default_factory=dict)
    _rows: dict[type[Base], list[dict[str, Any]]] = field(default_factory=dict)
    _writes: list[Write] = field(default_factory=list)

    def insert(self, entity: type[Base], row: Mapping[str, Any]) -> None:
        """Hold an INSERT of ``row`` into ``entity``'s table; rows of one table go in one
        statement, in order."""
        self._rows.setdefault(entity, []).append(dict(row))

    def defer(self, write: Write) -> None:
        """Hold ``write``; it runs in the unit's transaction after the held inserts."""
        self._writes.append(write)

    def debit(self, key: str, cost: float, capacity: float, rate: float, now: datetime) -> None:
        """Hold a charge of ``cost`` tokens on the bucket ``key`` (charges add up)."""
        held = self.debits.get(key)
        if held is None:
            self.debits[key] = Debit(cost, capacity, rate, now)
        else:
            held.cost += cost
            held.now = max(held.now, now)

    def debited(self, key: str) -> float:
        held = self.debits.get(key)
        return held.cost if held is not None else 0.0

    @property
    def empty(self) -> bool:
        return not (self._rows or self._writes or self.debits)

    def write(self, connection: Connection) -> None:
        """Run every held write on ``connection`` (inside the caller's transaction)."""
        for entity, rows in self._rows.items():
            connection.execute(insert(entity), [without_nul(connection, row) for row in rows])
        if self.debits:
            from storage.rate_limits import charge_all  # the limiter's own SQL

            charge_all(connection, self.debits)
        for write in self._writes:
            write(connection)

    def clear(self) -> None:
        self._rows.clear()
        self._writes.clear()
        self.debits.clear()

    def flush(self) -> None:
        """Write what is held in a transaction of its own (an event that was not recorded)."""
        if self.empty:
            return
        try:
            with self.database.writing(), self.database.engine.begin() as connection:
                self.write(connection)
        except Exception:
            log.exception("bookkeeping of an unrecorded event not stored")
        finally:
            self.clear()


def without_nul(connection: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with NUL characters in text replaced on PostgreSQL, whose text can't hold
    them (for core inserts; the ORM's listener in :mod:`storage.db` does it for rows)."""
    if connection.dialect.name != "postgresql":
        return values
    return {
        k: v.replace("\x00", "\ufffd") if isinstance(v, str) and "\x00" in v else v
        for k, v in values.items()
    }


_current: ContextVar[UnitOfWork | None] = ContextVar("ticketbot_unit_of_work", default=None)


def current_unit(database: Database) -> UnitOfWork | None:
    """The unit of work open on this thread for ``database``, if any."""
    unit = _current.get()
    return unit if unit is not None and unit.database is database else None


@contextlib.contextmanager
def open_unit(database: Database) -> Iterator[UnitOfWork]:
    """Open a unit of work on ``database`` for the code inside; an open one is joined."""
    unit = current_unit(database)
    if unit is not None:
        yield unit
        return
    unit = UnitOfWork(database)
    token = _current.set(unit)
    try:
        yield unit
    except Exception:
        unit.flush()
        raise
    except BaseException:
        unit.clear()  # the process is going away: as if it had died before writing
        raise
    else:
        unit.flush()
    finally:
        _current.reset(token)
