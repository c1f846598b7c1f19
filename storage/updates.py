"""The update machinery's tables: who follows which ticket (and what they last saw), the
"ticket touched" inbox, the outbox of messages with their retries, and small named state."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, bindparam, delete, func, literal, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.messages import ConversationRef
from core.updates.model import Outgoing, Snapshot, TicketTouched, Tracked
from core.wire import conversation_from_json, conversation_to_json
from storage.db import Database, dialect_insert, insert_or_merge
from storage.models import (
    UpdateOutboxRow,
    UpdateSignalRow,
    UpdateStateRow,
    UpdateTicketFactRow,
    UpdateTrackingRow,
)
from storage.unit_of_work import current_unit

CLAIM_TIMEOUT = timedelta(minutes=5)


def _write_now_or_with_the_unit(database: Database, write: Callable[[Connection], None]) -> None:
    unit = current_unit(database)
    if unit is not None:
        unit.defer(write)
        return
    with database.writing(), database.engine.begin() as connection:
        write(connection)


def _email(value: str) -> str:
    return value.strip().casefold()


def _tracked(row: UpdateTrackingRow) -> Tracked:
    return Tracked(
        tracking_id=row.id,
        backend=row.backend,
        ticket_id=row.ticket_id,
        conversation=conversation_from_json(row.conversation),
        user_id=row.user_id,
        user_email=row.user_email,
        snapshot=Snapshot.from_json(row.snapshot),
        muted=row.muted,
    )


class SqlUpdateStore:
    """Everything the update machinery keeps, in the bot's database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- tracking -----------------------------------------------------------------------------

    def track(
        self,
        backend: str,
        ticket_id: int,
        conversation: ConversationRef,
        *,
        user_id: str,
        user_email: str,
        snapshot: Snapshot,
        now: datetime,
    ) -> None:
        """Follow ``ticket_id`` in ``conversation`` for ``user_email`` (the latest conversation
        wins); ``snapshot`` is what they just saw (the notes watermark never moves back).
        One read; a write only when something changed, held by the open unit of work (an event
        being handled) for its transaction."""
        email = _email(user_email)
        conversation_json = conversation_to_json(conversation)
        with self._db.engine.connect() as connection:
            both = connection.execute(
                _TRACKED_AND_FACTS,
                {"backend": backend, "ticket_id": ticket_id, "user_email": email},
            ).one()
        unit = current_unit(self._db)
        if unit is not None:  # the facts' store asks next: it has its answer already
            unit.seen[("facts", backend, ticket_id)] = (
                _Facts(both.company, both.created_at, both.first_response_at, both.resolved_at)
                if both.facts is not None
                else None
            )
        row = both if both.id is not None else None
        if row is None:
            seen = snapshot.to_json()
            values = {
                "backend": backend,
                "ticket_id": ticket_id,
                "user_email": email,
                "user_id": user_id,
                "conversation": conversation_json,
                "snapshot": seen,
                "tracked_at": now,
            }

            def write(connection: Connection) -> None:
                # A concurrent first track of the same ticket: this one, the latest, wins.
                connection.execute(_track_statement(connection.dialect.name), values)

        else:
            before = Snapshot.from_json(row.snapshot)
            seen = snapshot.seen_notes_until(before.notes_until).to_json()
            if (seen, conversation_json, user_id) == (row.snapshot, row.conversation, row.user_id):
                return  # seen as it was, from where it was: nothing to write
            tracking_id = row.id

            def write(connection: Connection) -> None:
                connection.execute(
                    _RETRACK,
                    {
                        "b_id": tracking_id,
                        "snapshot": seen,
                        "conversation": conversation_json,
                        "user_id": user_id,
                        "tracked_at": now,
                    },
                )

        _write_now_or_with_the_unit(self._db, write)

    def tracked(self, backend: str, ticket_id: int) -> list[Tracked]:
        with self._db.sessions() as session:
            rows = session.scalars(
                select(UpdateTrackingRow)
                .where(
                    UpdateTrackingRow.backend == backend, UpdateTrackingRow.ticket_id == ticket_id
                )
                .order_by(UpdateTrackingRow.id)
            ).all()
            return [_tracked(row) for row in rows]

    def tracked_ticket_ids(self, backend: str) -> list[int]:
        """Tickets someone follows (muted ones too: they still move their snapshots)."""
        with self._db.sessions() as session:
            ids = session.scalars(
                select(UpdateTrackingRow.ticket_id)
                .where(UpdateTrackingRow.backend == backend)
                .distinct()
                .order_by(UpdateTrackingRow.ticket_id)
            ).all()
            return list(ids)

    def set_muted(self, backend: str, ticket_id: int, user_email: str, muted: bool) -> bool:
        """Mute (or unmute) ``ticket_id`` for ``user_email``; False when they don't follow it."""
        with self._db.sessions() as session:
            result = session.execute(
                update(UpdateTrackingRow)
                .where(
                    UpdateTrackingRow.backend == backend,
                    UpdateTrackingRow.ticket_id == ticket_id,
                    UpdateTrackingRow.user_email == _email(user_email),
                )
                .values(muted=muted)
            )
            session.commit()
            return bool(getattr(result, "rowcount", 0))

    # -- signals ------------------------------------------------------------------------------

    def record_signal(self, touched: TicketTouched, now: datetime) -> bool:
        """Store a signal; False when its key was seen before (a redelivery)."""
        with self._db.sessions() as session:
            session.add(
                UpdateSignalRow(
                    key=touched.key[:255],
                    backend=touched.backend,
                    ticket_id=touched.ticket_id,
                    source=touched.source,
                    actor=touched.actor,
                    event_at=touched.at,
                    received_at=now,
                )
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
            return True

    def due_tickets(
        self, backend: str, now: datetime, *, quiet: timedelta, max_wait: timedelta
    ) -> list[int]:
        """Tickets with unprocessed signals that are due: nothing new for ``quiet``, or the
        oldest waiting for ``max_wait`` (a burst becomes one message)."""
        with self._db.sessions() as session:
            rows = session.execute(
                select(
                    UpdateSignalRow.ticket_id,
                    func.min(UpdateSignalRow.received_at),
                    func.max(UpdateSignalRow.received_at),
                )
                .where(UpdateSignalRow.backend == backend, UpdateSignalRow.processed_at.is_(None))
                .group_by(UpdateSignalRow.ticket_id)
            ).all()
        due = []
        for ticket_id, first, last in rows:
            if now - last >= quiet or now - first >= max_wait:
                due.append(int(ticket_id))
        return sorted(due)

    def mark_processed(self, backend: str, ticket_id: int, now: datetime) -> None:
        with self._db.sessions() as session:
            session.execute(
                update(UpdateSignalRow)
                .where(
                    UpdateSignalRow.backend == backend,
                    UpdateSignalRow.ticket_id == ticket_id,
                    UpdateSignalRow.processed_at.is_(None),
                    UpdateSignalRow.received_at <= now,
                )
                .values(processed_at=now)
            )
            session.commit()

    # -- snapshots and the outbox -------------------------------------------------------------

    def save(
        self,
        tracking_id: int,
        snapshot: Snapshot,
        now: datetime,
        *,
        message: tuple[str, str] | None = None,
    ) -> bool:
        """Keep ``snapshot`` and, in the same transaction, queue ``message`` (its dedupe key and
        reply JSON). False when that key was queued before (nothing is queued twice)."""
        with self._db.sessions() as session:
            row = session.get(UpdateTrackingRow, tracking_id)
            if row is None:
                return False
            row.snapshot = snapshot.to_json()
            if message is not None:
                key, reply_json = message
                exists = session.scalar(
                    select(func.count()).where(UpdateOutboxRow.key == key[:255])
                )
                if exists:
                    session.commit()
                    return False
                platform = json.loads(row.conversation).get("platform", "")
                session.add(
                    UpdateOutboxRow(
                        key=key[:255],
                        tracking_id=tracking_id,
                        platform=platform,
                        reply=reply_json,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
            session.commit()
            return True

    def due_messages(
        self,
        now: datetime,
        platforms: Collection[str],
        limit: int = 100,
        *,
        accepts: Callable[[Tracked], bool] | None = None,
    ) -> list[Outgoing]:
        """Claim up to ``limit`` due messages (so two senders never send one twice); a claim
        not finished within ``CLAIM_TIMEOUT`` (a crash) is due again. ``accepts``: only those
        for conversations this sender serves are claimed (one terminal leaves another's)."""
        with self._db.sessions() as session:
            rows = session.execute(
                select(UpdateOutboxRow, UpdateTrackingRow)
                .join(UpdateTrackingRow, UpdateTrackingRow.id == UpdateOutboxRow.tracking_id)
                .where(
                    UpdateOutboxRow.status.in_(("pending", "sending")),
                    UpdateOutboxRow.next_attempt_at <= now,
                    UpdateOutboxRow.platform.in_(list(platforms)),
                )
                .order_by(UpdateOutboxRow.id)
                .limit(limit)
            ).all()
            claimed = []
            for out, tracking in rows:
                if accepts is not None and not accepts(_tracked(tracking)):
                    continue
                won = session.execute(
                    update(UpdateOutboxRow)
                    .where(
                        UpdateOutboxRow.id == out.id,
                        UpdateOutboxRow.status == out.status,
                        UpdateOutboxRow.next_attempt_at == out.next_attempt_at,
                    )
                    .values(status="sending", next_attempt_at=now + CLAIM_TIMEOUT)
                )
                if getattr(won, "rowcount", 0):
                    claimed.append(
                        Outgoing(out.id, out.key, out.reply, out.attempts, _tracked(tracking))
                    )
            session.commit()
            return claimed

    def finish(
        self,
        outbox_id: int,
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Record a send: ``sent``, ``gone``, ``failed``, or ``pending`` again at ``retry_at``."""
        with self._db.sessions() as session:
            row = session.get(UpdateOutboxRow, outbox_id)
            if row is None:
                return
            row.attempts += 1
            row.status = status
            row.last_error = error[:500] if error else None
            if status == "sent":
                row.sent_at = now
            if retry_at is not None:
                row.next_attempt_at = retry_at
            session.commit()

    def outbox(self, statuses: Sequence[str] = ()) -> list[tuple[str, str, int, str | None]]:
        """(key, status, attempts, last error) of the outbox, oldest first (doctor, tests)."""
        with self._db.sessions() as session:
            query = select(UpdateOutboxRow).order_by(UpdateOutboxRow.id)
            if statuses:
                query = query.where(UpdateOutboxRow.status.in_(list(statuses)))
            return [
                (row.key, row.status, row.attempts, row.last_error)
                for row in session.scalars(query).all()
            ]

    def purge_before(self, cutoff: datetime) -> int:
        """Forget processed signals and finished messages older than ``cutoff`` (redeliveries
        older than that are not expected); the number of rows deleted."""
        with self._db.sessions() as session:
            signals = session.execute(
                delete(UpdateSignalRow).where(
                    UpdateSignalRow.processed_at.is_not(None),
                    UpdateSignalRow.processed_at < cutoff,
                )
            )
            messages = session.execute(
                delete(UpdateOutboxRow).where(
                    UpdateOutboxRow.status.in_(("sent", "gone", "failed")),
                    UpdateOutboxRow.created_at < cutoff,
                )
            )
            session.commit()
            return int(getattr(signals, "rowcount", 0)) + int(getattr(messages, "rowcount", 0))

    # -- named state --------------------------------------------------------------------------

    def get_state(self, name: str) -> str | None:
        with self._db.sessions() as session:
            row = session.get(UpdateStateRow, name)
            return row.value if row else None

    def put_state(self, name: str, value: str, now: datetime) -> None:
        with self._db.sessions() as session:
            row = session.get(UpdateStateRow, name)
            if row is None:
                session.add(UpdateStateRow(name=name, value=value, updated_at=now))
            else:
                row.value = value
                row.updated_at = now
            session.commit()

    def delete_state(self, name: str) -> None:
        with self._db.sessions() as session:
            row = session.get(UpdateStateRow, name)
            if row is not None:
                session.delete(row)
                session.commit()


# -- service facts and ratings (``ticketbot report``) --------------------------------------------


class _Facts(NamedTuple):
    company: str | None = None
    created_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None


def _tracked_and_facts() -> Select[Any]:
    """One read for a ticket being tracked: the person's tracking row and the ticket's facts
    (either may be missing), so tracking a ticket costs one statement."""
    tracking = (
        select(
            UpdateTrackingRow.id,
            UpdateTrackingRow.snapshot,
            UpdateTrackingRow.conversation,
            UpdateTrackingRow.user_id,
        )
        .where(
            UpdateTrackingRow.backend == bindparam("backend"),
            UpdateTrackingRow.ticket_id == bindparam("ticket_id"),
            UpdateTrackingRow.user_email == bindparam("user_email"),
        )
        .subquery("t")
    )
    facts = (
        select(
            literal(1).label("facts"),
            UpdateTicketFactRow.company,
            UpdateTicketFactRow.created_at,
            UpdateTicketFactRow.first_response_at,
            UpdateTicketFactRow.resolved_at,
        )
        .where(
            UpdateTicketFactRow.backend == bindparam("backend"),
            UpdateTicketFactRow.ticket_id == bindparam("ticket_id"),
        )
        .subquery("f")
    )
    anchor = select(literal(1).label("one")).subquery("one")
    return select(*tracking.c, *facts.c).select_from(
        anchor.outerjoin(tracking, true()).outerjoin(facts, true())
    )


_TRACKED_AND_FACTS = _tracked_and_facts()
# Built once (per dialect): building a statement costs more than running it.
_RETRACK = update(UpdateTrackingRow).where(UpdateTrackingRow.id == bindparam("b_id"))


@functools.cache
def _track_statement(dialect: str) -> Any:
    """The first track of a ticket in a conversation; a concurrent one: the latest wins."""
    statement = dialect_insert(dialect)(UpdateTrackingRow)
    return statement.on_conflict_do_update(
        index_elements=["backend", "ticket_id", "user_email"],
        set_={
            "user_id": statement.excluded.user_id,
            "conversation": statement.excluded.conversation,
            "snapshot": statement.excluded.snapshot,
            "tracked_at": statement.excluded.tracked_at,
        },
    )


class SqlTicketFacts:
    """When each tracked ticket was filed, first answered and resolved, and its rating."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def _row(self, session: Session, backend: str, ticket_id: int) -> UpdateTicketFactRow:
        row = session.scalars(
            select(UpdateTicketFactRow).where(
                UpdateTicketFactRow.backend == backend, UpdateTicketFactRow.ticket_id == ticket_id
            )
        ).one_or_none()
        if row is None:
            row = UpdateTicketFactRow(backend=backend, ticket_id=ticket_id, reopened=0)
            session.add(row)
        return row

    def observe(
        self,
        backend: str,
        ticket_id: int,
        *,
        company: str,
        created_at: datetime | None,
        responded_at: datetime | None = None,
        resolved_at: datetime | None = None,
    ) -> None:
        """Keep the first response and the latest resolution (earlier facts stay). One read;
        a write only when a fact is new, held by the open unit of work (an event being
        handled) for its transaction."""
        unit = current_unit(self._db)
        key = ("facts", backend, ticket_id)
        if unit is not None and key in unit.seen:
            row = unit.seen[key]
        else:
            with self._db.engine.connect() as connection:
                found = connection.execute(
                    select(
                        UpdateTicketFactRow.company,
                        UpdateTicketFactRow.created_at,
                        UpdateTicketFactRow.first_response_at,
                        UpdateTicketFactRow.resolved_at,
                    ).where(
                        UpdateTicketFactRow.backend == backend,
                        UpdateTicketFactRow.ticket_id == ticket_id,
                    )
                ).first()
            row = _Facts(*found) if found is not None else None
        facts: dict[str, Any] = {
            "company": company or (row.company if row else "") or "",
            "created_at": (row.created_at if row else None) or created_at,
        }
        if responded_at is not None and (row is None or row.first_response_at is None):
            facts["first_response_at"] = responded_at
        if resolved_at is not None:
            facts["resolved_at"] = resolved_at
        if unit is not None:  # as it will be once written
            unit.seen[key] = (row or _Facts())._replace(**facts)
        if row is not None:
            facts = {k: v for k, v in facts.items() if getattr(row, k) != v}
            if not facts:
                return  # nothing new

        def write(connection: Connection) -> None:
            if row is not None:
                connection.execute(
                    update(UpdateTicketFactRow)
                    .where(
                        UpdateTicketFactRow.backend == backend,
                        UpdateTicketFactRow.ticket_id == ticket_id,
                    )
                    .values(**facts)
                )
                return
            connection.execute(
                insert_or_merge(connection)(UpdateTicketFactRow.__table__)
                .values(backend=backend, ticket_id=ticket_id, reopened=0, **facts)
                # A concurrent first observation: it has the same facts.
                .on_conflict_do_nothing(index_elements=["backend", "ticket_id"])
            )

        _write_now_or_with_the_unit(self._db, write)

    def reopened(self, backend: str, ticket_id: int) -> None:
        with self._db.sessions() as session:
            row = self._row(session, backend, ticket_id)
            row.reopened = (row.reopened or 0) + 1
            row.resolved_at = None
            session.commit()

    def rate(
        self,
        backend: str,
        ticket_id: int,
        now: datetime,
        *,
        rating: int | None = None,
        comment: str | None = None,
    ) -> None:
        with self._db.sessions() as session:
            row = self._row(session, backend, ticket_id)
            if rating is not None:
                row.rating = rating
            if comment:
                row.comment = comment
            row.rated_at = now
            session.commit()

    def all(self, backend: str, since: datetime) -> list[UpdateTicketFactRow]:
        with self._db.sessions() as session:
            return list(
                session.scalars(
                    select(UpdateTicketFactRow)
                    .where(
                        UpdateTicketFactRow.backend == backend,
                        UpdateTicketFactRow.created_at >= since,
                    )
                    .order_by(UpdateTicketFactRow.created_at)
                ).all()
            )
