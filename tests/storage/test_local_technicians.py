"""The local desk's technicians on SQLite and PostgreSQL: the roster from the staff e-mails,
take / assign / status / priority / notes on the tables, mine and the queue, the "ticket
touched" signal, and internal notes kept apart from what the requester reads."""

from __future__ import annotations

import pytest

from core.errors import NotATechnician, TicketNotFound, UnknownChoice
from core.messages import UserRef
from core.tickets import Priority, TicketDraft, TicketRef
from core.updates.model import TicketTouched
from storage.db import Database
from storage.desk_updates import LocalDeskFeed
from storage.local_desk import LocalDesk
from storage.local_technicians import LocalTechnicianDesk, name_from_email
from tests.support import ALICE, FakeClock

JO = UserRef("slack", "U-JO", "Jo", "Jo.Staff@Example.com")
KIM = UserRef("teams", "29:kim", "Kim", "kim_lee@example.com")


def test_technicians_work_local_tickets(database: Database) -> None:
    clock = FakeClock()
    signals: list[TicketTouched] = []
    tickets = LocalDesk(database, clock=clock)
    desk = LocalTechnicianDesk(
        database,
        clock=clock,
        staff_emails=["jo.staff@example.com", KIM.email or ""],
        notify=signals.append,
    )
    first = tickets.create(TicketDraft("Printer", "jams"), ALICE)
    clock.advance(minutes=1)
    second = tickets.create(TicketDraft("Mouse", "broken"), ALICE)
    ref = TicketRef("number", first.number.lower())

    assert desk.technician(JO).name == "Jo Staff" and name_from_email("kim_lee@x") == "Kim Lee"
    with pytest.raises(NotATechnician):
        desk.take(ref, ALICE)
    with pytest.raises(TicketNotFound):
        desk.take(TicketRef("id", "99999"), JO)

    assert [t.id for t in desk.queue(JO)] == [first.id, second.id]  # oldest first
    took = desk.take(ref, JO)
    assert (took.before, took.after, took.ticket.assignee) == (None, "Jo Staff", "Jo Staff")
    assert desk.take(ref, JO).before == "Jo Staff"  # again: nothing changes
    assert [t.id for t in desk.mine(JO)] == [first.id] and desk.mine(KIM) == []
    assert [t.id for t in desk.queue(JO, "service desk")] == [second.id]
    moved = desk.assign(ref, "kim", JO)
    assert (moved.before, moved.after) == ("Jo Staff", "Kim Lee")
    with pytest.raises(UnknownChoice) as unknown:
        desk.assign(ref, "Morgan", JO)
    assert unknown.value.choices == ("Jo Staff", "Kim Lee")

    status = desk.set_status(ref, "waiting-customer", KIM)
    assert (status.before, status.after) == ("New", "Waiting Customer")
    assert desk.set_status(ref, "waiting", KIM).after == "Waiting Customer"
    priority = desk.set_priority(ref, Priority.CRITICAL, KIM)
    assert (priority.before, priority.after) == ("Medium", "Critical")

    desk.add_note(ref, "SECRET the user broke it", KIM)
    public = desk.add_note(ref, "A new one is on its way.", KIM, internal=False)
    assert [n.text for n in public.ticket.notes] == ["A new one is on its way."]
    assert [n.text for n in tickets.get(ref, ALICE).notes] == ["A new one is on its way."]
    feed = LocalDeskFeed(database)
    assert [(n.text, n.public) for n in feed.notes_since(first.id, None)] == [
        ("SECRET the user broke it", False),
        ("A new one is on its way.", True),
    ]
    state = feed.state(first.id)
    assert state is not None and state.ticket.notes == ()

    # take, assign, status, priority, two notes: each a signal, by the technician
    assert [(s.ticket_id, s.actor, s.source) for s in signals] == [
        (first.id, "Jo Staff", "chat"),
        (first.id, "Jo Staff", "chat"),
        (first.id, "Kim Lee", "chat"),
        (first.id, "Kim Lee", "chat"),
        (first.id, "Kim Lee", "chat"),
        (first.id, "Kim Lee", "chat"),
    ]
    assert len({s.key for s in signals}) == len(signals)
