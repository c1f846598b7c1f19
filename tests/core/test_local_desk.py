from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import TicketNotFound
from core.messages import UserRef
from core.tickets import Priority, TicketDraft, TicketRef
from storage.db import Database
from storage.local_desk import LocalDesk
from tests.support import ALICE, BOB, FakeClock

DRAFT = TicketDraft("Printer jams", "The printer on floor 2 jams on every page", Priority.HIGH)


def test_ids_and_numbers_are_autotask_shaped_and_count_per_day(database: Database) -> None:
    clock = FakeClock()
    desk = LocalDesk(database, clock=clock)

    first = desk.create(DRAFT, ALICE)
    second = desk.create(DRAFT, ALICE)
    clock.advance(days=1)
    next_day = desk.create(DRAFT, ALICE)

    assert (first.number, second.number) == ("T20261104.0001", "T20261104.0002")
    assert next_day.number == "T20261105.0001"
    assert second.id == first.id + 1 and first.id >= 10000
    assert first.status == "New" and first.priority == "High" and not first.is_closed


def test_get_by_id_and_by_number_case_insensitively(database: Database) -> None:
    desk = LocalDesk(database, clock=FakeClock())
    ticket = desk.create(DRAFT, ALICE)

    assert desk.get(TicketRef("id", str(ticket.id)), ALICE).id == ticket.id
    assert desk.get(TicketRef("number", ticket.number.lower()), ALICE).id == ticket.id


def test_idempotency_key_makes_a_repeated_create_return_the_same_ticket(
    database: Database,
) -> None:
    desk = LocalDesk(database, clock=FakeClock())
    keyed = TicketDraft(DRAFT.title, DRAFT.description, DRAFT.priority, idempotency_key="k-1")

    assert desk.create(keyed, ALICE).id == desk.create(keyed, ALICE).id
    assert len(desk.list_open(ALICE)) == 1


def test_notes_have_authors_and_times_and_wake_a_waiting_ticket(database: Database) -> None:
    clock = FakeClock()
    desk = LocalDesk(database, clock=clock)
    ticket = desk.create(DRAFT, ALICE)
    desk.set_status(ticket.ref, "Waiting Customer")
    clock.advance(minutes=5)

    updated = desk.add_note(ticket.ref, "Tried tray 2 as well", ALICE)

    [note] = updated.notes
    assert (note.author, note.text, note.created_at) == (
        "Alice Example",
        "Tried tray 2 as well",
        clock.now,
    )
    assert updated.status == "In Progress" and updated.last_activity_at == clock.now


def test_list_open_is_the_requesters_not_complete_tickets_newest_first(
    database: Database,
) -> None:
    clock = FakeClock()
    desk = LocalDesk(database, clock=clock)
    old = desk.create(DRAFT, ALICE)
    clock.advance(hours=1)
    new = desk.create(DRAFT, ALICE)
    clock.advance(hours=1)
    closed = desk.create(DRAFT, ALICE)
    desk.close(closed.ref, ALICE)
    desk.create(DRAFT, BOB)

    assert [t.id for t in desk.list_open(ALICE)] == [new.id, old.id]


def test_requesters_cannot_see_or_change_others_tickets_but_staff_can(
    database: Database,
) -> None:
    staff = UserRef("console", "tech", "Tess Tech", "tess@msp.example")
    desk = LocalDesk(database, clock=FakeClock(), staff_emails=["TESS@msp.example"])
    ticket = desk.create(DRAFT, ALICE)

    for operation in (
        lambda: desk.get(ticket.ref, BOB),
        lambda: desk.add_note(ticket.ref, "hi", BOB),
        lambda: desk.close(ticket.ref, BOB),
    ):
        with pytest.raises(TicketNotFound):
            operation()
    assert desk.get(ticket.ref, staff).id == ticket.id
    assert [t.id for t in desk.list_open(staff)] == [ticket.id]
    assert not desk.get(ticket.ref, ALICE).is_closed


def test_unknown_ticket_raises_not_found_with_a_polite_message(database: Database) -> None:
    desk = LocalDesk(database, clock=FakeClock())

    with pytest.raises(TicketNotFound) as caught:
        desk.get(TicketRef("number", "T20990101.0001"), ALICE)

    assert "T20990101.0001" in caught.value.user_message


def test_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    first = Database.connect(url)
    ticket = LocalDesk(first, clock=FakeClock()).create(DRAFT, ALICE)
    first.dispose()

    second = Database.connect(url)
    assert LocalDesk(second, clock=FakeClock()).get(ticket.ref, ALICE).title == DRAFT.title
    second.dispose()


def test_reopen_and_priority_change_only_the_requesters_own_tickets(database: Database) -> None:
    desk = LocalDesk(database, clock=FakeClock())
    ticket = desk.create(DRAFT, ALICE)
    desk.close(ticket.ref, ALICE)

    with pytest.raises(TicketNotFound):
        desk.reopen(ticket.ref, "mine now", BOB)
    with pytest.raises(TicketNotFound):
        desk.set_priority(ticket.ref, Priority.LOW, BOB)
    reopened = desk.reopen(ticket.ref, "jams again", ALICE)
    again = desk.reopen(ticket.ref, "still", ALICE)  # an open ticket stays as it is
    lowered = desk.set_priority(ticket.ref, Priority.LOW, ALICE)

    assert reopened.status == "New" and not reopened.is_closed
    assert [n.text for n in again.notes] == ["Reopened: jams again"]
    assert lowered.priority == "Low"


def test_a_lookup_by_number_uses_the_index_not_a_scan(tmp_path: Path) -> None:
    from sqlalchemy import text

    from storage.local_desk import lookup

    database = Database.connect(f"sqlite:///{tmp_path / 'plan.db'}")
    statement, params = lookup(TicketRef("number", "t20261104.0001"))
    query = statement.params(**params)
    compiled = query.compile(database.engine, compile_kwargs={"literal_binds": True})
    with database.engine.connect() as connection:
        plan = " ".join(
            str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    database.dispose()

    assert "USING INDEX" in plan and "SCAN" not in plan, plan
