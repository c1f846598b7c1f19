"""The embedded help desk: Autotask-shaped tickets in the bot's own SQLite database
(implements :class:`core.ports.TicketingSystem`). The default backend, so the bot works with
no credentials and no network."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.errors import RequesterUnknown, TicketNotFound
from core.messages import UserRef
from core.tickets import (
    STATUS_COMPLETE,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_WAITING_CUSTOMER,
    Note,
    Priority,
    Ticket,
    TicketDraft,
    TicketRef,
)
from storage.db import Database, serialise_transaction
from storage.models import LocalAttachmentRow, LocalNoteRow, LocalTicketRow

FIRST_TICKET_ID = 10001
LATEST_NOTES_SHOWN = 3
TITLE_MAX = 255
STATUSES = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_WAITING_CUSTOMER, STATUS_COMPLETE)
_CREATE_ATTEMPTS = 20
_NUMBERING_LOCK = 0x6465736B  # "desk": any fixed number, the same in every process


class LocalDesk:
    """Tickets in SQLite. Requesters see their own tickets; ``staff_emails`` see all."""

    name = "local"

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        staff_emails: Iterable[str] = (),
    ) -> None:
        self._db = database
        self._clock = clock
        self._staff = {email.strip().lower() for email in staff_emails if email.strip()}

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        email = _requester_email(requester)
        for _ in range(_CREATE_ATTEMPTS):
            with self._db.sessions() as session:
                # Numbers come from what is there: creates take turns (PostgreSQL), or retry
                # when a concurrent one took the same id or number (SQLite).
                serialise_transaction(session, _NUMBERING_LOCK)
                if draft.idempotency_key:
                    existing = session.scalars(
                        _with_notes().where(LocalTicketRow.idempotency_key == draft.idempotency_key)
                    ).one_or_none()
                    if existing is not None:
                        return to_ticket(existing)
                now = self._clock()
                row = LocalTicketRow(
                    id=_next_id(session),
                    number=_next_number(session, now),
                    title=(draft.title.strip() or "New request")[:TITLE_MAX],
                    description=draft.description,
                    status=STATUS_NEW,
                    priority=draft.priority.value,
                    requester_email=email,
                    requester_name=requester.display_name,
                    idempotency_key=draft.idempotency_key,
                    created_at=now,
                    last_activity_at=now,
                )
                session.add(row)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()  # taken meanwhile (or the same key): look again
                    continue
                return self._load(session, TicketRef("id", str(row.id)), requester)
        raise RuntimeError("could not allocate a ticket number")

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        with self._db.engine.connect() as connection:
            return self._read(connection, ref, requester)

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        email = _requester_email(requester)
        query = _OPEN_TICKETS if email in self._staff else _OPEN_TICKETS_OF
        with self._db.engine.connect() as connection:
            rows = connection.execute(query, {"b_email": email, "b_limit": limit}).all()
            notes = _latest_notes(connection, [row.id for row in rows])
        return [_ticket(row, notes.get(row.id, ())) for row in rows]

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        with self._db.sessions() as session:
            row = self._row(session, ref, requester)
            now = self._clock()
            author = requester.display_name or requester.email or requester.user_id
            row.notes.append(LocalNoteRow(author=author, text=text, created_at=now))
            row.last_activity_at = now
            if row.status == STATUS_WAITING_CUSTOMER:
                row.status = STATUS_IN_PROGRESS  # the customer answered
            session.commit()
            return self._load(session, ref, requester)

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        with self._db.sessions() as session:
            row = self._row(session, ref, requester)
            if row.status != STATUS_COMPLETE:
                row.status = STATUS_COMPLETE
                row.last_activity_at = self._clock()
                session.commit()
            return self._load(session, ref, requester)

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        ticket = self.get(ref, requester)  # the requester's own ticket, or TicketNotFound
        if not ticket.is_closed:
            return ticket
        self.set_status(ref, STATUS_NEW)
        why = f"Reopened: {reason.strip()}" if reason.strip() else "Reopened."
        return self.add_note(ref, why, requester)

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        with self._db.sessions() as session:
            row = self._row(session, ref, requester)
            if row.priority != priority.value:
                row.priority = priority.value
                row.last_activity_at = self._clock()
                session.commit()
            return self._load(session, ref, requester)

    def set_status(self, ref: TicketRef, status: str) -> None:
        """Move a ticket along its workflow (reopening; the desk's own staff tools and tests)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        with self._db.sessions() as session:
            row = session.scalars(_with_notes().where(_matches(ref))).one_or_none()
            if row is None:
                raise TicketNotFound(ref)
            row.status = status
            row.last_activity_at = self._clock()
            session.commit()

    def check_ready(self) -> None:
        with self._db.sessions() as session:
            session.execute(select(1))

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        """Keep the file with the ticket; the same file (name and bytes) is kept once."""
        digest = hashlib.sha256(data).hexdigest()
        with self._db.sessions() as session:
            row = self._row(session, ref, requester)
            already = session.scalar(
                select(LocalAttachmentRow.id).where(
                    LocalAttachmentRow.ticket_id == row.id,
                    LocalAttachmentRow.name == name,
                    LocalAttachmentRow.digest == digest,
                )
            )
            if already is not None:
                return
            session.add(
                LocalAttachmentRow(
                    ticket_id=row.id,
                    name=name[:TITLE_MAX],
                    content_type=content_type[:TITLE_MAX],
                    size=len(data),
                    data=data,
                    digest=digest,
                    attached_by=requester.display_name or requester.email or requester.user_id,
                    created_at=self._clock(),
                )
            )
            row.last_activity_at = self._clock()
            session.commit()

    def _row(self, session: Session, ref: TicketRef, requester: UserRef) -> LocalTicketRow:
        email = _requester_email(requester)
        row = session.scalars(_with_notes().where(_matches(ref))).one_or_none()
        if row is None or (email not in self._staff and row.requester_email != email):
            raise TicketNotFound(ref)
        return row

    def _load(self, session: Session, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._read(session.connection(), ref, requester)

    def _read(self, connection: Connection, ref: TicketRef, requester: UserRef) -> Ticket:
        """The ticket with its latest notes, read with two prepared statements (the common
        status question: an ORM load with its relationship costs several times more)."""
        email = _requester_email(requester)
        statement, params = lookup(ref)
        row = connection.execute(statement, params).one_or_none()
        if row is None or (email not in self._staff and row.requester_email != email):
            raise TicketNotFound(ref)
        notes = connection.execute(_NOTES_OF, {"b_ticket": row.id}).all()
        return _ticket(row, tuple(_note(note) for note in reversed(notes)))


def _with_notes() -> Select[LocalTicketRow]:
    return select(LocalTicketRow).options(selectinload(LocalTicketRow.notes))


_TICKETS = LocalTicketRow.__table__
_NOTES = LocalNoteRow.__table__
# Built once: building a statement costs more than running it.
_BY_ID = select(_TICKETS).where(_TICKETS.c.id == bindparam("b_id"))
_BY_NUMBER = select(_TICKETS).where(_TICKETS.c.number == bindparam("b_number"))
_OPEN_TICKETS = (
    select(_TICKETS)
    .where(_TICKETS.c.status != STATUS_COMPLETE)
    .order_by(_TICKETS.c.created_at.desc(), _TICKETS.c.id.desc())
    .limit(bindparam("b_limit"))
)
_OPEN_TICKETS_OF = (
    select(_TICKETS)
    .where(_TICKETS.c.status != STATUS_COMPLETE, _TICKETS.c.requester_email == bindparam("b_email"))
    .order_by(_TICKETS.c.created_at.desc(), _TICKETS.c.id.desc())
    .limit(bindparam("b_limit"))
)
_NOTES_OF = (
    select(_NOTES.c.author, _NOTES.c.text, _NOTES.c.created_at)
    .where(_NOTES.c.ticket_id == bindparam("b_ticket"))
    .order_by(_NOTES.c.id.desc())
    .limit(LATEST_NOTES_SHOWN)
)
_RANKED_NOTES = (
    select(
        _NOTES.c.ticket_id,
        _NOTES.c.id,
        _NOTES.c.author,
        _NOTES.c.text,
        _NOTES.c.created_at,
        func.row_number()
        .over(partition_by=_NOTES.c.ticket_id, order_by=_NOTES.c.id.desc())
        .label("newest"),
    )
    .where(_NOTES.c.ticket_id.in_(bindparam("b_tickets", expanding=True)))
    .subquery()
)
_LATEST_NOTES = (
    select(_RANKED_NOTES)
    .where(_RANKED_NOTES.c.newest <= LATEST_NOTES_SHOWN)
    .order_by(_RANKED_NOTES.c.ticket_id, _RANKED_NOTES.c.id)
)


def lookup(ref: TicketRef) -> tuple[Select[Any], dict[str, object]]:
    """The statement (and its parameters) that finds the ticket ``ref`` names."""
    if ref.ticket_id is not None:
        return _BY_ID, {"b_id": ref.ticket_id}
    return _BY_NUMBER, {"b_number": _number(ref)}


def _latest_notes(connection: Connection, ticket_ids: list[int]) -> dict[int, tuple[Note, ...]]:
    """The latest notes of each ticket (oldest first), by ticket id."""
    if not ticket_ids:
        return {}
    found: dict[int, list[Note]] = {}
    for note in connection.execute(_LATEST_NOTES, {"b_tickets": ticket_ids}):
        found.setdefault(note.ticket_id, []).append(_note(note))
    return {ticket_id: tuple(notes) for ticket_id, notes in found.items()}


def _note(row: Row[Any]) -> Note:
    return Note(author=row.author, text=row.text, created_at=row.created_at)


def _matches(ref: TicketRef) -> ColumnElement[bool]:
    if ref.ticket_id is not None:
        return LocalTicketRow.id == ref.ticket_id
    return LocalTicketRow.number == _number(ref)


def _number(ref: TicketRef) -> str:
    # Numbers are written upper-case ("T20261130.0001"): comparing the column itself with the
    # number upper-cased, not upper(column), lets the unique index find the row, no scan.
    return ref.value.upper()


def _requester_email(requester: UserRef) -> str:
    if requester.email:
        return requester.email.strip().lower()
    if requester.user_id:
        # No e-mail (a console user without --user): the platform id still identifies them.
        return f"{requester.platform}:{requester.user_id}".lower()
    raise RequesterUnknown("I couldn't tell who you are, so I can't look up tickets for you.")


def _next_id(session: Session) -> int:
    current = session.scalar(select(func.max(LocalTicketRow.id)))
    return max(FIRST_TICKET_ID, (current or 0) + 1)


def _next_number(session: Session, now: datetime) -> str:
    prefix = f"T{now:%Y%m%d}."
    count = session.scalar(select(func.count()).where(LocalTicketRow.number.like(f"{prefix}%")))
    return f"{prefix}{(count or 0) + 1:04d}"


def to_ticket(row: LocalTicketRow, *, with_notes: bool = True) -> Ticket:
    """The ticket a row holds, with its latest public notes unless ``with_notes`` is False
    (the update feed: an update names its own notes)."""
    notes = (
        tuple(
            Note(author=note.author, text=note.text, created_at=note.created_at)
            for note in row.notes[-LATEST_NOTES_SHOWN:]
        )
        if with_notes
        else ()
    )
    return _ticket(row, notes)


def _ticket(row: LocalTicketRow | Row[Any], notes: tuple[Note, ...]) -> Ticket:
    """The ticket in ``row`` (an ORM row or a plain one: the columns by name) with ``notes``."""
    return Ticket(
        id=row.id,
        number=row.number,
        title=row.title,
        status=row.status,
        priority=row.priority,
        description=row.description,
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        queue=row.queue,
        assignee=row.assignee,
        requester=row.requester_name or row.requester_email,
        is_closed=row.status == STATUS_COMPLETE,
        notes=notes,
    )
