"""The durable inbox and the outbox.

An adapter :meth:`~SqlInbox.receive` s what a platform sent (refused by its key when it is
already there) before the platform is acknowledged: the request as the adapter read it, kept
``received`` until the adapter has looked up who sent it and :meth:`~SqlInbox.prepare` s it
into the neutral event (anyone with that adapter does it when the receiver died first).
:meth:`~SqlInbox.put` keeps a neutral event at once. Workers :meth:`~SqlInbox.take` events
with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never take the same one;
SQLite has one writer at a time), run the core, and :meth:`~SqlInbox.finish` them: the event
done and its replies in the outbox, in one transaction. Replies are then delivered and
:meth:`~SqlInbox.sent`, or retried with backoff. An event whose lease ran out (its worker
died) is taken again by anyone.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.messages import Event, Reply
from core.wire import event_from_json, event_to_json, replies_from_json, replies_to_json
from storage.db import Database, dialect_insert
from storage.models import InboxRow, OutboxRow
from storage.notifications import INBOX_CHANNEL, OUTBOX_CHANNEL, Listener
from storage.unit_of_work import current_unit, without_nul

log = logging.getLogger(__name__)

PENDING, DONE = "pending", "done"
RECEIVED = "received"  # the adapter's request, not yet the neutral event (see ``receive``)
WAITING = (RECEIVED, PENDING)
RowT = TypeVar("RowT", bound=InboxRow | OutboxRow)


@dataclass(frozen=True)
class Taken:
    """An event a worker holds until ``lease_until``. ``retake``: someone had it before."""

    event_id: str
    platform: str
    event: Event
    destination: str
    attempts: int
    retake: bool
    takeover: bool  # taken from a worker whose lease ran out (not released)


@dataclass(frozen=True)
class Received:
    """A request an adapter received but did not prepare (its process died), held by a
    process with the same adapter until its lease runs out."""

    event_id: str
    platform: str
    intake: str  # the adapter's own JSON, opaque here
    destination: str
    attempts: int


@dataclass(frozen=True)
class Outgoing:
    """Replies to deliver, held by one deliverer until its lease runs out.

    ``again``: some of them may have reached the platform already (a deliverer held them
    before: it died between the platform's answer and :meth:`SqlInbox.delivered`, or only some
    got through); a deliverer that can look its own messages up posts only the missing ones.
    ``received_at``: when the event was received, nothing of its answer is older."""

    id: int
    event_id: str
    platform: str
    destination: str
    replies: list[Reply]
    attempts: int
    again: bool = False
    received_at: datetime | None = None


@dataclass(frozen=True)
class InboxDepth:
    pending: int
    oldest_pending_seconds: float
    unsent: int


class SqlInbox:
    """The inbox and outbox tables of one database.

    An event's own steps (receive, prepare, finish, delivered) are one prepared statement each
    on a plain connection, in a transaction of its own or in the caller's: they run for every
    message, and an ORM session's bookkeeping would cost more than the write."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def database(self) -> Database:
        return self._db

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        """A session for a write transaction, queued behind this process's other writers on
        SQLite (whose busy handler would otherwise sleep between tries)."""
        with self._db.writing(), self._db.sessions() as session:
            yield session

    @contextlib.contextmanager
    def _begin(self, *, urgent: bool = False) -> Iterator[Connection]:
        """A connection in a write transaction (queued like :meth:`_write`; ``urgent``:
        ahead of the others, on connections of its own)."""
        engine = self._db.urgent() if urgent else self._db.engine
        with self._db.writing(urgent=urgent), engine.begin() as connection:
            yield connection

    @property
    def _locks_rows(self) -> bool:
        return self._db.dialect == "postgresql"

    def put(
        self,
        event: Event,
        platform: str,
        destination: str,
        now: datetime,
        *,
        owner: str | None = None,
        lease: timedelta | None = None,
    ) -> bool:
        """Keep ``event`` and where its answer goes; False when its id is already there.
        With ``owner`` and ``lease`` it is taken by ``owner`` at once (the receiving process
        works on it itself; anyone takes it over when the lease runs out)."""
        with self._begin() as connection:
            kept = self._put_on(connection, event, platform, destination, now, owner, lease)
            if kept and (owner is None or lease is None):
                _notify(connection, INBOX_CHANNEL)
        return kept

    def _put_on(
        self,
        connection: Connection,
        event: Event,
        platform: str,
        destination: str,
        now: datetime,
        owner: str | None,
        lease: timedelta | None,
    ) -> bool:
        held = owner is not None and lease is not None
        row = {
            "event_id": event.event_id,
            "platform": platform,
            "event": event_to_json(event),
            "destination": destination,
            "status": PENDING,
            "attempts": 1 if held else 0,
            "lease_owner": owner if held else None,
            "lease_until": now + lease if held and lease is not None else None,
            "created_at": now,
            "done_at": None,
        }
        row = without_nul(connection, row)
        return connection.execute(_insert_new(self._db.dialect), row).first() is not None

    def keep_all(
        self, keeps: Sequence[Keep], now: datetime, *, owner: str, lease: timedelta
    ) -> list[bool]:
        """Several events made ready for the core in one transaction: each one received
        here is :meth:`prepare` d (held by ``owner`` when ``mine``, else given up for anyone
        to take), one not received first is :meth:`put`. For each, whether it was kept
        (False: already there, or taken over)."""
        kept: list[bool] = []
        with self._begin() as connection:
            for keep in keeps:
                mine = keep.mine
                done = self._prepare_on(
                    connection, keep.event, keep.destination, now, owner, lease, pending=mine
                ) or self._put_on(
                    connection,
                    keep.event,
                    keep.platform,
                    keep.destination,
                    now,
                    owner if mine else None,
                    lease if mine else None,
                )
                kept.append(done)
            if any(kept[i] and not k.mine for i, k in enumerate(keeps)):
                _notify(connection, INBOX_CHANNEL)
        return kept

    def receive(
        self,
        event_id: str,
        platform: str,
        intake: str,
        destination: str,
        now: datetime,
        *,
        owner: str,
        lease: timedelta,
    ) -> bool:
        """Keep a request as the adapter read it (``intake``, its own JSON), held by ``owner``
        while it prepares it; False when ``event_id`` is already there (a redelivery)."""
        return self.receive_all(
            [Arrival(event_id, platform, intake, destination)], now, owner=owner, lease=lease
        )[0]

    def receive_all(
        self, arrivals: Sequence[Arrival], now: datetime, *, owner: str, lease: timedelta
    ) -> list[bool]:
        """:meth:`receive` for several requests in one transaction (a burst of them arrived
        together); for each, whether it was kept. Of two with one id, the first is kept."""
        kept: list[bool] = []
        seen: set[str] = set()
        # Ahead of other writers: the platform waits for this one.
        with self._begin(urgent=True) as connection:
            statement = _insert_new(self._db.dialect)
            for arrival in arrivals:
                if arrival.event_id in seen:
                    kept.append(False)
                    continue
                seen.add(arrival.event_id)
                row = {
                    "event_id": arrival.event_id,
                    "platform": arrival.platform,
                    "event": arrival.intake,
                    "destination": arrival.destination,
                    "status": RECEIVED,
                    "attempts": 1,
                    "lease_owner": owner,
                    "lease_until": now + lease,
                    "created_at": now,
                    "done_at": None,
                }
                row = without_nul(connection, row)
                kept.append(connection.execute(statement, row).first() is not None)
        return kept

    def prepare(
        self,
        event: Event,
        destination: str,
        now: datetime,
        *,
        owner: str,
        lease: timedelta | None = None,
        pending: bool = True,
    ) -> bool:
        """The received request of ``event`` as the neutral event, still held by ``owner``
        (for ``lease`` more, when given); with ``pending`` false, given up instead: held by
        nobody, for anyone to take at once. False when ``owner`` does not hold it as received."""
        with self._begin() as connection:
            prepared = self._prepare_on(
                connection, event, destination, now, owner, lease, pending=pending
            )
            if prepared and not pending:
                _notify(connection, INBOX_CHANNEL)
        return prepared

    @staticmethod
    def _prepare_on(
        connection: Connection,
        event: Event,
        destination: str,
        now: datetime,
        owner: str,
        lease: timedelta | None,
        *,
        pending: bool,
    ) -> bool:
        values: dict[str, object] = {
            "b_event": event.event_id,
            "b_owner": owner,
            "event": event_to_json(event),
            "destination": destination,
            "status": PENDING,
        }
        if not pending:
            values |= {"lease_owner": None, "lease_until": None}
        elif lease is not None:
            values["lease_until"] = now + lease
        return _count(connection.execute(_PREPARE, values)) == 1

    def set_aside(self, event_id: str, owner: str, now: datetime) -> bool:
        """A received request the adapter answered itself (or found nothing to do for): done,
        with nothing for the core. False when ``owner`` does not hold it as received."""
        with self._begin() as connection:
            result = connection.execute(
                _PREPARE,
                {
                    "b_event": event_id,
                    "b_owner": owner,
                    "status": DONE,
                    "done_at": now,
                    "lease_owner": None,
                    "lease_until": None,
                },
            )
        return _count(result) == 1

    def take_received(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        platforms: Sequence[str],
        limit: int = 1,
    ) -> list[Received]:
        """Up to ``limit`` received requests of ``platforms`` whose receiver's lease ran out
        (it died before preparing them), leased to ``owner`` until ``now + lease``."""
        if not platforms:
            return []
        query = (
            select(InboxRow)
            .where(
                InboxRow.status == RECEIVED,
                InboxRow.platform.in_(platforms),
                _free(InboxRow.lease_until, now),
            )
            .order_by(InboxRow.created_at, InboxRow.event_id)
            .limit(limit)
        )
        taken: list[Received] = []
        with self._write() as session:
            try:
                for row in session.scalars(self._locked(query)).all():
                    claimed = session.execute(
                        update(InboxRow)
                        .where(
                            InboxRow.event_id == row.event_id,
                            InboxRow.status == RECEIVED,
                            _free(InboxRow.lease_until, now),
                        )
                        .values(
                            lease_owner=owner, lease_until=now + lease, attempts=row.attempts + 1
                        )
                        .execution_options(synchronize_session=False)
                    )
                    if _count(claimed) == 1:
                        taken.append(
                            Received(
                                row.event_id,
                                row.platform,
                                row.event,
                                row.destination,
                                row.attempts + 1,
                            )
                        )
                session.commit()
            except OperationalError:
                session.rollback()
                if self._locks_rows:
                    raise
                return []
        return taken

    def take(self, owner: str, now: datetime, lease: timedelta, limit: int = 1) -> list[Taken]:
        """Up to ``limit`` pending events nobody holds (or whose holder's lease ran out),
        oldest first, leased to ``owner`` until ``now + lease``."""
        taken: list[Taken] = []
        try:
            with self._begin() as connection:
                rows = connection.execute(
                    _waiting(self._locks_rows),
                    {"b_status": PENDING, "b_now": now, "b_limit": limit},
                ).all()
                for row in rows:
                    item = self._lease(connection, row, owner, now, lease)
                    if item is not None:
                        taken.append(item)
        except OperationalError:
            # SQLite: another process wrote since this read began; its next look will do.
            if self._locks_rows:
                raise
            return []
        return taken

    @staticmethod
    def _lease(
        connection: Connection, row: Row[Any], owner: str, now: datetime, lease: timedelta
    ) -> Taken | None:
        # Conditional, so two SQLite processes that read the same row can't both take it.
        claimed = connection.execute(
            _CLAIM,
            {
                "b_event": row.event_id,
                "b_status": PENDING,
                "b_now": now,
                "lease_owner": owner,
                "lease_until": now + lease,
                "attempts": row.attempts + 1,
            },
        )
        if _count(claimed) != 1:
            return None
        try:
            event = event_from_json(row.event)
        except ValueError:
            log.error("inbox event unreadable, set aside event_id=%s", row.event_id)
            connection.execute(_SET_DONE, {"b_event": row.event_id, "status": DONE, "done_at": now})
            return None
        return Taken(
            event_id=row.event_id,
            platform=row.platform,
            event=event,
            destination=row.destination,
            attempts=row.attempts + 1,
            retake=row.attempts > 0,
            takeover=row.lease_owner is not None,
        )

    def extend(self, owner: str, event_ids: Sequence[str], until: datetime) -> None:
        """Keep holding ``event_ids`` (work still running) until ``until``."""
        if not event_ids:
            return
        with self._write() as session:
            session.execute(
                update(InboxRow)
                .where(InboxRow.event_id.in_(event_ids), InboxRow.lease_owner == owner)
                .values(lease_until=until)
            )
            session.commit()

    def finish(
        self,
        taken: Taken,
        owner: str,
        replies: Sequence[Reply],
        now: datetime,
        *,
        deliver_by_until: datetime | None = None,
    ) -> bool:
        """The event done and its replies in the outbox, in one transaction. False (nothing
        written) when ``owner`` no longer holds it: someone else took it over.
        ``deliver_by_until``: the caller delivers them itself (then :meth:`delivered`); only
        after that time may anyone else."""
        with self._begin() as connection:
            return self.finish_on(
                connection, taken, owner, replies, now, deliver_by_until=deliver_by_until
            )

    def finish_on(
        self,
        connection: Connection,
        taken: Taken,
        owner: str,
        replies: Sequence[Reply],
        now: datetime,
        *,
        deliver_by_until: datetime | None = None,
    ) -> bool:
        """:meth:`finish` inside the caller's transaction on ``connection`` (the core's unit
        of work: the event done with its turns). The event may still be as received, when its
        receiver answered it without preparing it first."""
        done = connection.execute(
            _FINISH,
            {
                "b_event": taken.event_id,
                "b_owner": owner,
                "status": DONE,
                "done_at": now,
                "lease_owner": None,
                "lease_until": None,
            },
        )
        if _count(done) != 1:
            return False
        if replies:
            connection.execute(
                _INSERT_OUTBOX,
                {
                    "event_id": taken.event_id,
                    "platform": taken.platform,
                    "destination": taken.destination,
                    "replies": replies_to_json(replies),
                    "attempts": 0,
                    "next_attempt_at": now,
                    "lease_until": deliver_by_until,
                    "created_at": now,
                    "sent_at": None,
                },
            )
            if deliver_by_until is None:
                _notify(connection, OUTBOX_CHANNEL)
        return True

    def finishing(
        self,
        taken: Taken,
        owner: str,
        clock: Callable[[], datetime],
        *,
        deliver_for: timedelta | None = None,
    ) -> Finishing:
        """A :class:`Finishing` for ``taken``: given to the core as the answer's hook, it
        finishes the event in the transaction that records the answer."""
        return Finishing(self, taken, owner, clock, deliver_for)

    def release(self, owner: str, event_ids: Sequence[str] | None = None) -> int:
        """Give back what ``owner`` holds (all of it, or ``event_ids``) for anyone to take at
        once (shutdown); how many."""
        condition = [InboxRow.lease_owner == owner, InboxRow.status.in_(WAITING)]
        if event_ids is not None:
            condition.append(InboxRow.event_id.in_(event_ids))
        with self._write() as session:
            result = session.execute(
                update(InboxRow).where(*condition).values(lease_owner=None, lease_until=None)
            )
            if _count(result):
                self._notify(session, INBOX_CHANNEL)
            session.commit()
        return _count(result)

    # -- the outbox ---------------------------------------------------------------------------

    def due(
        self,
        now: datetime,
        lease: timedelta,
        limit: int = 10,
        platforms: Sequence[str] | None = None,
    ) -> list[Outgoing]:
        """Unsent replies whose next attempt is due (for ``platforms``, when given), held
        until ``now + lease``."""
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.platform.in_(platforms) if platforms is not None else true(),
                OutboxRow.sent_at.is_(None),
                OutboxRow.next_attempt_at <= now,
                _free(OutboxRow.lease_until, now),
            )
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
        )
        out: list[Outgoing] = []
        with self._write() as session:
            try:
                for row in session.scalars(self._locked(query)).all():
                    held = session.execute(
                        update(OutboxRow)
                        .where(
                            OutboxRow.id == row.id,
                            OutboxRow.sent_at.is_(None),
                            _free(OutboxRow.lease_until, now),
                        )
                        .values(lease_until=now + lease, attempts=row.attempts + 1)
                        .execution_options(synchronize_session=False)
                    )
                    if _count(held) != 1:
                        continue
                    try:
                        replies = replies_from_json(row.replies)
                    except ValueError:
                        log.error("outbox replies unreadable, dropped event_id=%s", row.event_id)
                        session.execute(
                            update(OutboxRow)
                            .where(OutboxRow.id == row.id)
                            .values(sent_at=now)
                            .execution_options(synchronize_session=False)
                        )
                        continue
                    # Held before: by the process that finished it (``deliver_by_until``),
                    # or by an earlier delivery from here.
                    again = row.attempts > 0 or row.lease_until is not None
                    out.append(
                        Outgoing(
                            row.id,
                            row.event_id,
                            row.platform,
                            row.destination,
                            replies,
                            row.attempts + 1,
                            again=again,
                            received_at=self._received_at(session, row) if again else None,
                        )
                    )
                session.commit()
            except OperationalError:
                session.rollback()
                if self._locks_rows:
                    raise
                return []
        return out

    @staticmethod
    def _received_at(session: Session, row: OutboxRow) -> datetime:
        received = session.scalar(
            select(InboxRow.created_at).where(InboxRow.event_id == row.event_id)
        )
        return received or row.created_at  # the inbox row purged: the answer is younger still

    def sent(self, outgoing: Outgoing, now: datetime) -> None:
        self.delivered(outgoing.event_id, now)

    def delivered(self, event_id: str, now: datetime) -> None:
        """The replies of ``event_id`` reached the person."""
        self.delivered_all([event_id], now)

    def delivered_all(self, event_ids: Sequence[str], now: datetime) -> None:
        """:meth:`delivered` for several events in one statement."""
        if not event_ids:
            return
        with self._begin() as connection:
            connection.execute(
                _DELIVERED, {"b_events": list(event_ids), "sent_at": now, "lease_until": None}
            )

    def hold(self, event_ids: Sequence[str], until: datetime) -> None:
        """Keep the unsent replies of ``event_ids`` from other deliverers until ``until``
        (their poster is still at it)."""
        if not event_ids:
            return
        with self._write() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.event_id.in_(event_ids), OutboxRow.sent_at.is_(None))
                .values(lease_until=until)
            )
            session.commit()

    def retry(self, outgoing: Outgoing, at: datetime) -> None:
        """Try ``outgoing`` again at ``at``."""
        with self._write() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == outgoing.id)
                .values(next_attempt_at=at, lease_until=None)
            )
            session.commit()

    # -- upkeep and figures -------------------------------------------------------------------

    def depth(self, now: datetime) -> InboxDepth:
        with self._db.sessions() as session:
            pending, oldest = session.execute(
                select(func.count(), func.min(InboxRow.created_at)).where(
                    InboxRow.status.in_(WAITING)
                )
            ).one()
            unsent = session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            )
        age = 0.0
        if oldest is not None:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            age = max(0.0, (now - oldest_at).total_seconds())
        return InboxDepth(int(pending or 0), age, int(unsent or 0))

    def purge_before(self, cutoff: datetime) -> int:
        """Forget events done (and replies sent) before ``cutoff``; how many events."""
        with self._write() as session:
            session.execute(delete(OutboxRow).where(OutboxRow.sent_at < cutoff))
            result = session.execute(
                delete(InboxRow).where(InboxRow.status == DONE, InboxRow.done_at < cutoff)
            )
            session.commit()
        return _count(result)

    # -- notifications ------------------------------------------------------------------------

    def listen(self, on_notify: Callable[[str], None]) -> Listener | None:
        """Call ``on_notify`` as soon as another process queues an event or an answer
        (PostgreSQL); ``None`` on SQLite, where only the poll finds them."""
        if not self._locks_rows:
            return None
        return Listener(self._db, (INBOX_CHANNEL, OUTBOX_CHANNEL), on_notify).start()

    def _notify(self, session: Session, channel: str) -> None:
        _notify(session.connection(), channel)

    def _locked(self, query: Select[RowT]) -> Select[RowT]:
        # PostgreSQL: rows another replica is taking right now are skipped, not waited for.
        # SQLite: one writer at a time already (the claimer's transaction holds the file).
        return query.with_for_update(skip_locked=True) if self._locks_rows else query


@dataclass(frozen=True)
class Keep:
    """An event to make ready for the core, to :meth:`SqlInbox.keep_all`. ``mine``: this
    process works on it itself (held by it), else anyone with room takes it."""

    event: Event
    platform: str
    destination: str
    mine: bool


@dataclass(frozen=True)
class Arrival:
    """A request as an adapter read it, to :meth:`SqlInbox.receive_all`."""

    event_id: str
    platform: str
    intake: str  # the adapter's own JSON, opaque here
    destination: str


class Finishing:
    """The core's answer hook for one held event (see :meth:`SqlInbox.finishing`).

    Called with the answer inside the event's unit of work, it holds the event's finish in
    that unit: the event is marked done and its replies go to the outbox in the very
    transaction that records the turns (or, when the core records nothing, in the one that
    writes the unit's bookkeeping). Called again, the last answer wins. ``finished`` is
    ``None`` when nothing was written (no unit of work on this database was open, or its
    write failed): the caller finishes the event itself then."""

    def __init__(
        self,
        inbox: SqlInbox,
        taken: Taken,
        owner: str,
        clock: Callable[[], datetime],
        deliver_for: timedelta | None,
    ) -> None:
        self._inbox = inbox
        self._taken = taken
        self._owner = owner
        self._clock = clock
        self._deliver_for = deliver_for
        self._replies: list[Reply] = []
        self._held = False
        self.finished: bool | None = None

    def __call__(self, replies: Sequence[Reply]) -> None:
        self._replies = list(replies)
        if self._held:
            return
        unit = current_unit(self._inbox.database)
        if unit is not None:
            unit.defer(self._write)
            self._held = True

    def _write(self, connection: Connection) -> None:
        # The clock is read when the write runs: the caller's hold on delivery starts now.
        now = self._clock()
        until = now + self._deliver_for if self._deliver_for is not None else None
        self.finished = self._inbox.finish_on(
            connection, self._taken, self._owner, self._replies, now, deliver_by_until=until
        )


# Built once: building a statement costs more than running it. What an UPDATE sets is named
# by the parameters it runs with; the WHERE's own parameters start with ``b_``.
_PREPARE = update(InboxRow).where(
    InboxRow.event_id == bindparam("b_event"),
    InboxRow.status == RECEIVED,
    InboxRow.lease_owner == bindparam("b_owner"),
)
_FINISH = update(InboxRow).where(
    InboxRow.event_id == bindparam("b_event"),
    InboxRow.status.in_(WAITING),
    InboxRow.lease_owner == bindparam("b_owner"),
)
_INSERT_OUTBOX = insert(OutboxRow)
_CLAIM = update(InboxRow).where(
    InboxRow.event_id == bindparam("b_event"),
    InboxRow.status == bindparam("b_status"),
    or_(InboxRow.lease_until.is_(None), InboxRow.lease_until < bindparam("b_now")),
)
_SET_DONE = update(InboxRow).where(InboxRow.event_id == bindparam("b_event"))
_DELIVERED = update(OutboxRow).where(OutboxRow.event_id.in_(bindparam("b_events", expanding=True)))


@functools.cache
def _waiting(locks_rows: bool) -> Select[Any]:
    """Events of a status nobody holds, oldest first (rows another replica is taking right
    now skipped on PostgreSQL, not waited for)."""
    query = (
        select(InboxRow.__table__)
        .where(
            InboxRow.status == bindparam("b_status"),
            or_(InboxRow.lease_until.is_(None), InboxRow.lease_until < bindparam("b_now")),
        )
        .order_by(InboxRow.created_at, InboxRow.event_id)
        .limit(bindparam("b_limit"))
    )
    return query.with_for_update(skip_locked=True) if locks_rows else query


@functools.cache
def _insert_new(dialect: str) -> Any:
    """INSERT of an inbox row that does nothing when its event id is already there."""
    return (
        dialect_insert(dialect)(InboxRow)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(InboxRow.event_id)
    )


def _notify(connection: Connection, channel: str) -> None:
    # PostgreSQL sends it when the transaction commits, and only then.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})


def _free(
    lease_until: InstrumentedAttribute[datetime | None], now: datetime
) -> ColumnElement[bool]:
    return or_(lease_until.is_(None), lease_until < now)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
