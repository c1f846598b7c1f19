"""The local desk from the technician's side: reading any ticket as the bot (the update
feed) and the staff actions of ``ticketbot desk``, each raising a "ticket touched" signal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import TicketNotFound
from core.tickets import Ticket, TicketRef
from core.updates.model import FeedNote, TicketState, TicketTouched
from storage.db import Database
from storage.local_desk import STATUSES, to_ticket
from storage.models import LocalInternalNoteRow, LocalNoteRow, LocalTicketRow

BACKEND = "local"


class LocalDeskFeed:
    """:class:`~core.updates.model.TicketFeed` of the local desk."""

    backend = BACKEND

    def __init__(self, database: Database) -> None:
        self._db = database

    def state(self, ticket_id: int) -> TicketState | None:
        with self._db.sessions() as session:
            row = session.get(LocalTicketRow, ticket_id)
            if row is None:
                return None
            company = row.requester_email.rpartition("@")[2] if "@" in row.requester_email else ""
            return TicketState(to_ticket(row, with_notes=False), row.requester_email, company)

    def notes_since(self, ticket_id: int, since: datetime | None) -> list[FeedNote]:
        with self._db.sessions() as session:
            ticket = session.get(LocalTicketRow, ticket_id)
            if ticket is None:
                return []
            requester = {ticket.requester_name, ticket.requester_email} - {""}
            public = select(LocalNoteRow).where(LocalNoteRow.ticket_id == ticket_id)
            internal = select(LocalInternalNoteRow).where(
                LocalInternalNoteRow.ticket_id == ticket_id
            )
            if since is not None:
                public = public.where(LocalNoteRow.created_at > since)
                internal = internal.where(LocalInternalNoteRow.created_at > since)
            notes = [
                FeedNote(f"n{n.id}", n.author, n.text, n.created_at, True, n.author in requester)
                for n in session.scalars(public).all()
            ]
            notes += [
                FeedNote(f"i{n.id}", n.author, n.text, n.created_at, False)
                for n in session.scalars(internal).all()
            ]
            return sorted(notes, key=lambda n: (n.created_at, n.note_id))


class LocalDeskStaff:
    """What a technician does on the local desk (``ticketbot desk``). Each action returns the
    signal it raised; ``notify`` receives it (the update service's inbox)."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        notify: Callable[[TicketTouched], object],
    ) -> None:
        self._db = database
        self._clock = clock
        self._notify = notify

    def assign(self, ref: TicketRef, name: str, technician: str) -> Ticket:
        """Assign the ticket to ``name`` (by ``technician``)."""
        with self._db.sessions() as session:
            row = self._row(session, ref)
            row.assignee = name.strip() or None
            return self._touched(session, row, technician)

    def set_status(self, ref: TicketRef, status: str, technician: str) -> Ticket:
        wanted = next((s for s in STATUSES if s.casefold() == status.strip().casefold()), None)
        if wanted is None:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        with self._db.sessions() as session:
            row = self._row(session, ref)
            row.status = wanted
            return self._touched(session, row, technician)

    def add_note(self, ref: TicketRef, text: str, technician: str, *, internal: bool) -> Ticket:
        if not text.strip():
            raise ValueError("the note is empty")
        with self._db.sessions() as session:
            row = self._row(session, ref)
            now = self._clock()
            kind = LocalInternalNoteRow if internal else LocalNoteRow
            session.add(kind(ticket_id=row.id, author=technician, text=text, created_at=now))
            return self._touched(session, row, technician)

    def _row(self, session: Session, ref: TicketRef) -> LocalTicketRow:
        query = select(LocalTicketRow)
        if ref.ticket_id is not None:
            query = query.where(LocalTicketRow.id == ref.ticket_id)
        else:
            query = query.where(LocalTicketRow.number == ref.value.upper())
        row = session.scalars(query).one_or_none()
        if row is None:
            raise TicketNotFound(ref)
        return row

    def _touched(self, session: Session, row: LocalTicketRow, technician: str) -> Ticket:
        now = self._clock()
        row.last_activity_at = now
        session.commit()
        ticket = to_ticket(row, with_notes=False)
        self._notify(
            TicketTouched(
                backend=BACKEND,
                ticket_id=row.id,
                at=now,
                sequence=now.isoformat(),
                source="desk",
                actor=technician,
            )
        )
        return ticket
