"""What each operation costs in Autotask requests (the tenant's hourly budget is shared by every
integration): exact counts cold and warm, the ticket cache and what invalidates it, identity
kept for its time-to-live, and a burst of people asking about one ticket from many threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from core.backends.autotask.query import MAX_RECORDS
from core.errors import RequesterUnknown
from core.messages import UserRef
from core.tickets import TicketDraft, TicketRef
from tests.backends.conftest import ALICE, CAROL, COMPANY, NOBODY, TESS, Harness, make_harness
from tests.fakes.autotask_server import FakeAutotask
from tests.support import FakeClock

ZONE = ("GET", "/atservicesrest/v1.0/zoneInformation")
THRESHOLD = ("GET", "ThresholdInformation")
CONTACT = ("POST", "Contacts/query")
ROSTER = ("POST", "Resources/query")
TICKET_FIELDS = ("GET", "Tickets/entityInformation/fields")
NOTE_FIELDS = ("GET", "TicketNotes/entityInformation/fields")
NOTES = ("POST", "TicketNotes/query")
NOTE_BODY = {"title": "Update", "description": "Parts ordered", "noteType": 1, "publish": 1}
# What a new process reads once before its first answer (then kept for their time-to-live).
ONCE = [ZONE, THRESHOLD, CONTACT, ROSTER]


def outage_ticket(fake: FakeAutotask) -> int:
    """Alice's ticket, assigned to Tess, with one note of hers."""
    ticket_id = fake.add_ticket(
        contactID=fake.ids["alice"], companyID=COMPANY, assignedResourceID=fake.ids["tess"]
    )
    fake.add_note(ticket_id, "Looking into it", creator=fake.ids["tess"])
    return ticket_id


def sent(fake: FakeAutotask) -> list[tuple[str, str]]:
    return [(call.method, call.path) for call in fake.requests]


def counted(fake: FakeAutotask, action: Any) -> list[tuple[str, str]]:
    fake.reset_log()
    action()
    return sent(fake)


# -- each operation, cold and warm ---------------------------------------------------------


def test_a_status_check_costs_the_first_reads_cold_then_one_request(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    ticket = at.backend.get(ref, ALICE)
    assert sent(at.fake) == [
        *ONCE,
        ("GET", f"Tickets/{ticket_id}"),
        NOTES,
        NOTE_FIELDS,  # which notes a requester may read
        TICKET_FIELDS,  # the status and priority labels
    ]
    assert ticket.assignee == "Tess Tech"  # from the roster: no read of her own
    assert counted(at.fake, lambda: at.backend.get(ref, ALICE)) == []  # within the cache
    at.clock.advance(seconds=5)
    assert counted(at.fake, lambda: at.backend.get(ref, ALICE)) == [("GET", f"Tickets/{ticket_id}")]


def test_a_status_check_by_number_learns_the_id(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    number = TicketRef("number", at.fake.tickets[ticket_id]["ticketNumber"])
    at.backend.get(number, ALICE)
    at.clock.advance(seconds=5)
    assert counted(at.fake, lambda: at.backend.get(number, ALICE)) == [
        ("GET", f"Tickets/{ticket_id}")
    ]


def test_a_note_costs_two_requests_warm_and_never_reads_the_ticket_again(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    at.backend.get(ref, ALICE)
    at.clock.advance(seconds=30)
    ticket = at.backend.add_note(ref, "Still down on floor 2", ALICE)
    assert sent(at.fake)[-2:] == [
        ("GET", f"Tickets/{ticket_id}"),
        ("POST", f"Tickets/{ticket_id}/Notes"),
    ]
    assert len(at.fake.requests) == len(ONCE) + 4 + 2
    assert [note.text for note in ticket.notes] == ["Looking into it", "Still down on floor 2"]
    assert ticket.notes[-1].author == "Alice Example"
    assert ticket.last_activity_at == at.clock.now.replace(microsecond=0)


def test_a_note_on_a_cold_process_reads_what_it_needs_once(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    at.backend.add_note(TicketRef("id", str(ticket_id)), "Any news?", ALICE)
    assert sent(at.fake) == [
        *ONCE,
        ("GET", f"Tickets/{ticket_id}"),
        NOTE_FIELDS,
        ("POST", f"Tickets/{ticket_id}/Notes"),
        NOTES,  # the earlier notes, for the card
        TICKET_FIELDS,
    ]


def test_a_close_costs_two_requests_warm(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    at.backend.get(ref, ALICE)  # "close it?" shows the ticket
    at.clock.advance(seconds=20)  # the person answers "yes"
    closed = at.backend.close(ref, ALICE)
    assert sent(at.fake)[-2:] == [("GET", f"Tickets/{ticket_id}"), ("PATCH", "Tickets")]
    assert len(at.fake.requests) == len(ONCE) + 4 + 2
    assert closed.is_closed and closed.status == "Complete"
    assert [note.text for note in closed.notes] == ["Looking into it"]
    assert at.fake.tickets[ticket_id]["status"] == 5


def test_a_close_on_a_cold_process(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    at.backend.close(TicketRef("id", str(ticket_id)), ALICE)
    assert sent(at.fake) == [
        *ONCE,
        ("GET", f"Tickets/{ticket_id}"),
        TICKET_FIELDS,
        ("PATCH", "Tickets"),
        NOTES,
        NOTE_FIELDS,
    ]


def test_a_create_costs_three_requests_warm(at: Harness) -> None:
    at.backend.create(TicketDraft("Printer", "jams", idempotency_key="d-1"), ALICE)
    assert sent(at.fake) == [
        *ONCE,
        TICKET_FIELDS,
        ("POST", "TicketCategories/query"),
        ("POST", "TicketCategoryFieldDefaults/query"),
        ("POST", "Tickets/query"),  # was this draft filed already?
        ("POST", "Tickets"),
        ("GET", f"Tickets/{max(at.fake.tickets)}"),  # its number
    ]
    at.clock.advance(minutes=1)
    ticket = at.backend.create(TicketDraft("Screen", "flickers", idempotency_key="d-2"), ALICE)
    assert sent(at.fake)[-3:] == [
        ("POST", "Tickets/query"),
        ("POST", "Tickets"),
        ("GET", f"Tickets/{ticket.id}"),
    ]
    assert len(at.fake.requests) == 10 + 3
    # Its first status check is free: the bot has just read it and it has no notes yet.
    assert counted(at.fake, lambda: at.backend.get(ticket.ref, ALICE)) == []


def test_a_list_costs_one_query_warm_and_names_come_from_the_roster(at: Harness) -> None:
    for _ in range(3):
        outage_ticket(at.fake)
    first = at.backend.list_open(ALICE)
    assert sent(at.fake) == [*ONCE, TICKET_FIELDS, ("POST", "Tickets/query")]
    assert {ticket.assignee for ticket in first} == {"Tess Tech"}
    at.clock.advance(seconds=30)
    assert counted(at.fake, lambda: at.backend.list_open(ALICE)) == [("POST", "Tickets/query")]


def test_a_technicians_list_reads_every_requester_in_one_query(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(fake, clock)
    for contact in ("alice", "bob", "carol"):
        company = fake.contacts[fake.ids[contact]]["companyID"]
        fake.add_ticket(
            contactID=fake.ids[contact], companyID=company, assignedResourceID=fake.ids["tess"]
        )
    tickets = harness.backend.list_open(TESS)
    assert {ticket.requester for ticket in tickets} == {
        "Alice Example",
        "Bob Example",
        "Carol Other",
    }
    [lookup] = fake.calls("POST", r"Contacts/query")[1:]  # after Tess's own identity
    assert lookup.body["filter"] == [
        {"op": "in", "field": "id", "value": sorted(fake.ids[c] for c in ("alice", "bob", "carol"))}
    ]
    assert fake.calls("GET", r"Contacts/\d+") == []


# -- the cache and what invalidates it -----------------------------------------------------


def test_a_status_read_right_after_the_bots_own_note_shows_it(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    at.backend.get(ref, ALICE)
    at.backend.add_note(ref, "Rebooted the router", ALICE)
    at.fake.tickets[ticket_id]["status"] = 8  # a workflow rule moved it on the note
    after = counted(at.fake, lambda: at.backend.get(ref, ALICE))
    assert after == [("GET", f"Tickets/{ticket_id}"), NOTES]
    ticket = at.backend.get(ref, ALICE)
    assert ticket.notes[-1].text == "Rebooted the router"
    assert ticket.status == "In Progress"


def test_a_status_read_right_after_a_close_shows_it_closed(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    assert not at.backend.get(ref, ALICE).is_closed
    at.backend.close(ref, ALICE)
    fake_after = counted(at.fake, lambda: at.backend.get(ref, ALICE))
    assert fake_after[0] == ("GET", f"Tickets/{ticket_id}")
    assert at.backend.get(ref, ALICE).is_closed


def test_invalidate_makes_the_next_read_ask_autotask(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    assert at.backend.get(ref, ALICE).status == "New"
    at.fake.tickets[ticket_id]["status"] = 7  # changed in Autotask by a technician
    assert at.backend.get(ref, ALICE).status == "New"  # within the cache
    at.backend.invalidate(ticket_id)  # what an update event will call
    assert at.backend.get(ref, ALICE).status == "Waiting Customer"


def test_any_write_the_bot_sends_drops_its_ticket_from_the_cache(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    assert at.backend.get(ref, ALICE).priority == "Medium"
    # A write no operation above knows of (say, a future "change priority"): the same holds.
    at.client.request("PATCH", "Tickets", body={"id": ticket_id, "priority": 4})
    assert at.backend.get(ref, ALICE).priority == "Critical"
    at.backend.get(ref, ALICE)
    at.client.request("POST", f"Tickets/{ticket_id}/Notes", body=NOTE_BODY)
    assert at.backend.get(ref, ALICE).notes[-1].text == "Parts ordered"


def test_the_ticket_cache_can_be_turned_off(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, ticket_cache_seconds=0)
    ref = TicketRef("id", str(outage_ticket(fake)))
    harness.backend.get(ref, ALICE)
    assert counted(fake, lambda: harness.backend.get(ref, ALICE)) == [
        ("GET", f"Tickets/{ref.value}")
    ]


def test_many_tickets_are_read_in_one_query_paged_at_500(at: Harness) -> None:
    ids = [
        at.fake.add_ticket(contactID=at.fake.ids["alice"], companyID=COMPANY)
        for _ in range(MAX_RECORDS + 1)
    ]
    carols = at.fake.add_ticket(contactID=at.fake.ids["carol"], companyID=200)
    at.backend.list_open(ALICE)  # identity and picklists first
    refs = [TicketRef("id", str(ticket_id)) for ticket_id in [carols, *reversed(ids)]]
    tickets = counted(at.fake, lambda: at.backend.get_many(refs, ALICE))
    assert tickets.count(("POST", "Tickets/query")) == 2
    queries = at.fake.calls("POST", r"Tickets/query")
    assert [len(call.body["filter"][0]["value"]) for call in queries] == [MAX_RECORDS, 2]
    assert all(call.body["filter"][0]["op"] == "in" for call in queries)
    assert tickets.count(NOTES) == 2  # their notes too, 500 tickets a query
    shown = at.backend.get_many(refs, ALICE)  # kept now: no request
    assert [ticket.id for ticket in shown] == list(reversed(ids))  # not Carol's, in order


# -- identity ------------------------------------------------------------------------------


def test_identity_is_kept_an_hour_and_an_unknown_email_two_minutes(at: Harness) -> None:
    ticket_id = outage_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    at.backend.get(ref, ALICE)
    at.clock.advance(minutes=59)
    at.backend.get(ref, ALICE)
    assert len(at.fake.calls("POST", r"Contacts/query")) == 1
    at.clock.advance(minutes=2)
    at.backend.get(ref, ALICE)
    assert len(at.fake.calls("POST", r"Contacts/query")) == 2
    for _ in range(2):
        with pytest.raises(RequesterUnknown):
            at.backend.get(ref, NOBODY)
    assert len(at.fake.calls("POST", r"Contacts/query")) == 3  # the "nobody" answer is kept
    at.fake.add_contact(str(NOBODY.email), COMPANY, "Nobody", "Known")
    at.clock.advance(minutes=2)  # the admin added the contact meanwhile
    assert at.backend.list_open(NOBODY) == []  # known now: no refusal
    assert len(at.fake.calls("POST", r"Contacts/query")) == 4


def test_technicians_come_from_one_roster_query_for_everyone(at: Harness) -> None:
    for person in (ALICE, CAROL, TESS):
        at.backend.list_open(person)
    assert len(at.fake.calls("POST", r"Resources/query")) == 1
    assert at.fake.calls("GET", r"Resources/\d+") == []
    at.clock.advance(minutes=15)  # a new technician is known within a quarter of an hour
    at.backend.list_open(ALICE)
    assert len(at.fake.calls("POST", r"Resources/query")) == 2


# -- bursts --------------------------------------------------------------------------------


def people(fake: FakeAutotask, count: int) -> list[UserRef]:
    found = []
    for n in range(count):
        email = f"person{n}@example.com"
        fake.add_contact(email, COMPANY, "Person", str(n))
        found.append(UserRef("slack", f"U-{n}", f"Person {n}", email))
    return found


def burst(harness: Harness, ref: TicketRef, asking: list[UserRef]) -> list[tuple[str, str]]:
    """Everyone asks about ``ref`` at the same moment, each from a thread."""
    start = threading.Barrier(len(asking))
    errors: list[BaseException] = []
    seen: list[int] = []

    def ask(person: UserRef) -> None:
        start.wait()
        try:
            seen.append(harness.backend.get(ref, person).id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(person,)) for person in asking]
    harness.fake.reset_log()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen == [ref.ticket_id] * len(asking)
    return sent(harness.fake)


def _burst_costs(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, company_visibility=True)
    ticket_id = outage_ticket(fake)
    ref = TicketRef("id", str(ticket_id))
    asking = people(fake, 50)
    cold = burst(harness, ref, asking)
    once = [
        ZONE,
        THRESHOLD,
        ROSTER,
        TICKET_FIELDS,
        NOTE_FIELDS,
        NOTES,
        ("GET", f"Tickets/{ticket_id}"),
    ]
    assert sorted(call for call in cold if call != CONTACT) == sorted(once)
    # Fifty unknown people: their contacts in a few batched queries, not fifty.
    lookups = fake.calls("POST", r"Contacts/query")
    assert 1 <= len(lookups) <= harness.settings.max_concurrent_per_endpoint + 1
    asked: set[str] = set()
    for call in lookups:
        for item in call.body["filter"][0]["items"]:  # emailAddress, 2 and 3: eq or in
            value = item["value"]
            asked.update(value if isinstance(value, list) else [value])
    assert asked == {str(person.email) for person in asking}
    clock.advance(seconds=5)  # the ticket cache expired; everyone is known now
    assert burst(harness, ref, asking) == [("GET", f"Tickets/{ticket_id}")]


def test_a_burst_of_50_people_on_one_ticket_costs_a_handful_of_requests(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    _burst_costs(fake, clock)


def test_the_same_burst_against_a_slow_autotask(fake: FakeAutotask, clock: FakeClock) -> None:
    fake.delay = 0.2  # every answer takes a while: more of the burst overlaps in flight
    _burst_costs(fake, clock)
    assert max(fake.max_in_flight.values()) <= 3
