"""The local desk's technicians (implements :class:`core.ports.TechnicianDesk`), so the whole
technician inbox can be tried on the embedded defaults.

The technicians are the staff e-mails (``TICKETBOT_STAFF_EMAILS``), named after the e-mail's
local part ("jordan.lee@…" is Jordan Lee). A ticket's assignee is that name; internal notes go to
``local_internal_notes``, which the requester's views never read. Each change raises the same
"ticket touched" signal as ``ticketbot desk``, so the requester hears about what is public.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from core.errors import NotATechnician, TicketingError, TicketNotFound, UnknownChoice
from core.messages import UserRef
from core.ports import Technician, TicketChange
from core.tickets import STATUS_COMPLETE, Note, Priority, Ticket, TicketRef
from core.updates.model import TicketTouched
from storage.db import Database
from storage.local_desk import LATEST_NOTES_SHOWN, STATUSES, to_ticket
from storage.models import LocalInternalNoteRow, LocalNoteRow, LocalTicketRow

log = logging.getLogger(__name__)

BACKEND = "local"
DEFAULT_QUEUE = "Service Desk"  # the queue every local ticket starts in (storage/models.py)
NOTE_MAX = 32000


def name_from_email(email: str) -> str:
    """ "jordan.lee@example.com" → "Jordan Lee"."""
    local = email.partition("@")[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or email


class LocalTechnicianDesk:
    """Take, assign, status, notes and lists on the local desk's tables."""

    name = "local"

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        staff_emails: Iterable[str] = (),
        notify: Callable[[TicketTouched], object] | None = None,
    ) -> None:
        self._db = database
        self._clock = clock
        emails = sorted({e.strip().casefold() for e in staff_emails if e.strip()})
        self._roster = [Technician(id=e, name=name_from_email(e), email=e) for e in emails]
        self._notify = notify

    # -- who --------------------------------------------------------------------------------

    def technician(self, user: UserRef) -> Technician:
        email = (user.email or "").strip().casefold()
        if not email:
            raise NotATechnician(f"{user.platform}:{user.user_id} has no e-mail address")
        for technician in self._roster:
            if technician.email == email:
                return technician
        raise NotATechnician(f"{email} is not in TICKETBOT_STAFF_EMAILS")

    def technicians(self, user: UserRef) -> list[Technician]:
        self.technician(user)
        return sorted(self._roster, key=lambda t: (t.name.casefold(), t.id))

    def statuses(self, user: UserRef) -> list[str]:
        self.technician(user)
        return list(STATUSES)

    def queues(self, user: UserRef) -> list[str]:
        self.technician(user)
        return self._queues()

    # -- changes ----------------------------------------------------------------------------

    def ticket(self, ref: TicketRef, user: UserRef) -> Ticket:
        self.technician(user)
        with self._db.sessions() as session:
            row = _row(session, ref)
            ticket = to_ticket(row)
            internal = session.scalars(
                select(LocalInternalNoteRow)
                .where(LocalInternalNoteRow.ticket_id == row.id)
                .order_by(LocalInternalNoteRow.created_at.desc(), LocalInternalNoteRow.id.desc())
                .limit(LATEST_NOTES_SHOWN)
            ).all()
        marked = [
            Note(author=n.author, text=n.text, created_at=n.created_at, internal=True)
            for n in internal
        ]
        # The latest notes of both kinds, oldest first, as a ticket's notes always are.
        notes = sorted([*ticket.notes, *marked], key=lambda n: n.created_at)
        return replace(ticket, notes=tuple(notes[-LATEST_NOTES_SHOWN:]))

    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        me = self.technician(user)
        return self._assign(ref, me, me)

    def assign(
        self, ref: TicketRef, assignee: str, user: UserRef, *, role_id: int | None = None
    ) -> TicketChange:
        me = self.technician(user)
        return self._assign(ref, me, self._named(assignee))

    def set_status(self, ref: TicketRef, status: str, user: UserRef) -> TicketChange:
        me = self.technician(user)
        wanted = _choose(STATUSES, status, "status")
        with self._db.sessions() as session:
            row = _row(session, ref)
            before = row.status
            if before != wanted:
                row.status = wanted
                self._touched(session, row, me)
            return TicketChange(to_ticket(row), "status", before, wanted)

    def set_priority(self, ref: TicketRef, priority: Priority, user: UserRef) -> TicketChange:
        me = self.technician(user)
        with self._db.sessions() as session:
            row = _row(session, ref)
            before = row.priority
            if before != priority.value:
                row.priority = priority.value
                self._touched(session, row, me)
            return TicketChange(to_ticket(row), "priority", before, priority.value)

    def add_note(
        self, ref: TicketRef, text: str, user: UserRef, *, internal: bool = True
    ) -> TicketChange:
        me = self.technician(user)
        words = text.strip()
        if not words:
            raise TicketingError("The note is empty: add its text after the ticket number.")
        with self._db.sessions() as session:
            row = _row(session, ref)
            kind = LocalInternalNoteRow if internal else LocalNoteRow
            note = kind(ticket_id=row.id, author=me.name, text=words[:NOTE_MAX])
            note.created_at = self._clock()
            session.add(note)
            self._touched(session, row, me)
            session.expire_all()
            ticket = to_ticket(_row(session, ref))
        return TicketChange(ticket, "note", None, "internal" if internal else "public")

    # -- lists ------------------------------------------------------------------------------

    def mine(self, user: UserRef, limit: int = 20) -> list[Ticket]:
        me = self.technician(user)
        query = (
            select(LocalTicketRow)
            .where(
                LocalTicketRow.status != STATUS_COMPLETE,
                func.lower(LocalTicketRow.assignee) == me.name.casefold(),
            )
            .order_by(LocalTicketRow.created_at.desc(), LocalTicketRow.id.desc())
            .limit(max(0, limit))
        )
        return self._tickets(query)

    def queue(self, user: UserRef, name: str | None = None, limit: int = 20) -> list[Ticket]:
        self.technician(user)
        query = select(LocalTicketRow).where(
            LocalTicketRow.status != STATUS_COMPLETE,
            or_(LocalTicketRow.assignee.is_(None), LocalTicketRow.assignee == ""),
        )
        if name is not None and name.strip():
            query = query.where(LocalTicketRow.queue == _choose(self._queues(), name, "queue"))
        query = query.order_by(LocalTicketRow.created_at, LocalTicketRow.id).limit(max(0, limit))
        return self._tickets(query)

    # -- internals --------------------------------------------------------------------------

    def _assign(self, ref: TicketRef, me: Technician, target: Technician) -> TicketChange:
        with self._db.sessions() as session:
            row = _row(session, ref)
            before = row.assignee
            if before != target.name:
                row.assignee = target.name
                self._touched(session, row, me)
            return TicketChange(to_ticket(row), "assignee", before, target.name)

    def _named(self, wanted: str) -> Technician:
        """A technician by e-mail, name, or a unique start of a name or of a word of it."""
        text = " ".join(wanted.strip().lstrip("@").split()).casefold()
        found = [t for t in self._roster if text in (t.email, t.name.casefold())]
        if not found and text:
            found = [
                t
                for t in self._roster
                if any(w.startswith(text) for w in (t.name.casefold(), *t.name.casefold().split()))
            ]
        if len(found) == 1:
            return found[0]
        names = sorted({t.name for t in (found or self._roster)}, key=str.casefold)
        raise UnknownChoice("technician", wanted.strip(), names, several=len(found) > 1)

    def _queues(self) -> list[str]:
        with self._db.sessions() as session:
            used = set(session.scalars(select(LocalTicketRow.queue).distinct()).all())
        return sorted(used | {DEFAULT_QUEUE}, key=str.casefold)

    def _tickets(self, query: Select[LocalTicketRow]) -> list[Ticket]:
        with self._db.sessions() as session:
            return [to_ticket(row) for row in session.scalars(query).all()]

    def _touched(self, session: Session, row: LocalTicketRow, me: Technician) -> None:
        """Commit the change and raise the "ticket touched" signal (a failed signal is only
        logged: the change is made)."""
        now = self._clock()
        row.last_activity_at = now
        session.commit()
        if self._notify is None:
            return
        signal = TicketTouched(
            backend=BACKEND,
            ticket_id=row.id,
            at=now,
            # Each change is its own event, even two in the same clock tick.
            sequence=f"{now.isoformat()}/{uuid.uuid4().hex[:12]}",
            source="chat",
            actor=me.name,
        )
        try:
            self._notify(signal)
        except Exception:
            log.exception("ticket touched signal not recorded ticket id=%s", row.id)


def _row(session: Session, ref: TicketRef) -> LocalTicketRow:
    query = select(LocalTicketRow)
    if ref.ticket_id is not None:
        query = query.where(LocalTicketRow.id == ref.ticket_id)
    else:
        query = query.where(func.upper(LocalTicketRow.number) == ref.value.upper())
    row = session.scalars(query).one_or_none()
    if row is None:
        raise TicketNotFound(ref)
    return row


def _choose(choices: Sequence[str], wanted: str, what: str) -> str:
    """The choice labelled ``wanted``: exactly, without spaces and dashes ("inprogress",
    "waiting-customer"), or the one choice holding it as a word ("waiting")."""
    text = " ".join(wanted.split()).casefold()
    squeezed = re.sub(r"[\s_\-]+", "", text)
    for choice in choices:
        if choice.casefold() == text or re.sub(r"[\s_\-]+", "", choice.casefold()) == squeezed:
            return choice
    if text:
        word = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")
        near = [c for c in choices if word.search(c.casefold())]
        if len(near) == 1:
            return near[0]
    raise UnknownChoice(what, wanted.strip(), list(choices))
