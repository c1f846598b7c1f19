"""AutotaskTicketing against the loopback API: the port's operations, identity, authorization,
error paths and the create that must never be filed twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.backends.autotask.tickets import STAMP_FIELD, idempotency_stamp
from core.backends.http import Rejected
from core.errors import BackendUnavailable, RequesterUnknown, TicketNotFound
from core.messages import UserRef
from core.tickets import Priority, TicketDraft, TicketRef
from tests.backends.conftest import (
    ALICE,
    BOB,
    CAROL,
    COMPANY,
    DEFAULT_COMPANY,
    LEVEL_ONE,
    NOBODY,
    TESS,
    Harness,
    make_harness,
)
from tests.fakes.autotask_server import FakeAutotask, Picklist
from tests.support import FakeClock


def _draft(
    title: str = "Printer on floor 3 jams", key: str | None = "draft-1", **kw: Any
) -> TicketDraft:
    return TicketDraft(
        title, kw.pop("description", "It jams on every page."), idempotency_key=key, **kw
    )


def _alices_ticket(fake: FakeAutotask, **fields: Any) -> int:
    return fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY, **fields)


# -- create --------------------------------------------------------------------------------


def test_create_files_the_ticket_for_the_contact_and_reads_back_its_number(at: Harness) -> None:
    ticket = at.backend.create(_draft(priority=Priority.HIGH), ALICE)

    [post] = at.fake.calls("POST", r"Tickets")
    assert post.body["contactID"] == at.fake.ids["alice"]
    assert post.body["companyID"] == COMPANY
    assert post.body["queueID"] == LEVEL_ONE
    assert post.body["status"] == 1  # "New" in this tenant
    assert post.body["priority"] == 1  # "High" is 1 in Autotask's default picklist
    assert post.body[STAMP_FIELD] == idempotency_stamp("draft-1")
    stored = at.fake.tickets[ticket.id]
    assert ticket.number == stored["ticketNumber"]
    assert ticket.number.startswith("T20261104.")
    assert (ticket.status, ticket.priority, ticket.queue) == ("New", "High", "Level I Support")
    assert ticket.requester == "Alice Example"
    assert ticket.description == "It jams on every page."
    assert ticket.web_url == (
        "https://ww99.autotask.example/Autotask/AutotaskExtend/ExecuteCommand.aspx"
        f"?Code=OpenTicketDetail&TicketID={ticket.id}"
    )


def test_optional_ticket_defaults_come_from_settings(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, ticket_type=2, source=11, issue_type=4, due_hours=8)
    harness.backend.create(_draft(), ALICE)
    [post] = fake.calls("POST", r"Tickets")
    assert (post.body["ticketType"], post.body["source"], post.body["issueType"]) == (2, 11, 4)
    assert post.body["dueDateTime"] == "2026-11-04T17:30:00Z"


def test_a_missing_required_field_is_named_to_the_person(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(fake, clock, default_queue_id=None)
    with pytest.raises(Rejected) as caught:
        harness.backend.create(_draft(), ALICE)
    error = caught.value
    assert (
        error.user_message == "The help desk didn't accept that: Missing Required Field: queueID."
    )
    assert "AUTOTASK_DEFAULT_QUEUE_ID" in error.detail
    assert fake.tickets == {}


def test_autotasks_own_error_text_reaches_the_person(at: Harness) -> None:
    at.fake.fail(
        "POST",
        r"Tickets",
        status=500,
        body={"errors": ["A contract is required for this category"]},
    )
    with pytest.raises(Rejected) as caught:
        at.backend.create(_draft(), ALICE)
    assert caught.value.user_message == (
        "The help desk didn't accept that: A contract is required for this category."
    )
    # Autotask answered: nothing to look for, nothing to send again.
    assert len(at.fake.calls("POST", r"Tickets")) == 1


# -- never twice ---------------------------------------------------------------------------


def test_a_create_whose_connection_dropped_after_filing_is_found_not_repeated(at: Harness) -> None:
    at.fake.fail("POST", r"Tickets", mode="drop_after")
    ticket = at.backend.create(_draft(), ALICE)
    assert len(at.fake.tickets) == 1
    assert len(at.fake.calls("POST", r"Tickets")) == 1
    assert ticket.id in at.fake.tickets
    assert ticket.number == at.fake.tickets[ticket.id]["ticketNumber"]


def test_a_create_that_timed_out_after_filing_is_found_not_repeated(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(fake, clock, timeout_seconds=0.5)
    harness.backend.check_ready()
    fake.fail("POST", r"Tickets", mode="hang_after")
    ticket = harness.backend.create(_draft(), ALICE)
    fake.release()
    assert list(fake.tickets) == [ticket.id]
    assert len(fake.calls("POST", r"Tickets")) == 1


def test_a_create_dropped_before_filing_is_sent_again_once_it_is_known_missing(at: Harness) -> None:
    at.fake.fail("POST", r"Tickets", mode="drop")
    ticket = at.backend.create(_draft(), ALICE)
    assert list(at.fake.tickets) == [ticket.id]
    assert len(at.fake.calls("POST", r"Tickets")) == 2


def test_a_repeated_draft_returns_the_ticket_already_filed(at: Harness) -> None:
    first = at.backend.create(_draft(key="same-draft"), ALICE)
    again = at.backend.create(_draft(key="same-draft"), ALICE)
    assert again.id == first.id
    assert len(at.fake.tickets) == 1
    assert len(at.fake.calls("POST", r"Tickets")) == 1


def test_an_unanswered_create_that_cannot_be_confirmed_says_so(at: Harness) -> None:
    at.fake.fail("POST", r"Tickets", mode="drop", times=5)
    with pytest.raises(BackendUnavailable) as caught:
        at.backend.create(_draft(), ALICE)
    said = caught.value.user_message
    assert "can't tell yet whether it was filed" in said
    assert "“ticket list”" in said
    assert "again" not in said  # its outcome is unknown: never "try again"
    assert at.fake.tickets == {}
    assert len(at.fake.calls("POST", r"Tickets")) == 2  # each after a look that found nothing


# -- get -----------------------------------------------------------------------------------


def test_get_by_id_and_by_ticket_number(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake, title="VPN drops")
    number = at.fake.tickets[ticket_id]["ticketNumber"]
    by_id = at.backend.get(TicketRef("id", str(ticket_id)), ALICE)
    by_number = at.backend.get(TicketRef("number", number), ALICE)
    assert by_id == by_number
    assert by_id.title == "VPN drops"
    [lookup] = at.fake.calls("POST", r"Tickets/query")
    assert lookup.body["filter"] == [{"op": "eq", "field": "ticketNumber", "value": number}]


def test_a_card_shows_labels_assignee_and_the_newest_notes(at: Harness) -> None:
    ticket_id = _alices_ticket(
        at.fake, status=8, priority=4, queueID=29683355, assignedResourceID=at.fake.ids["tess"]
    )
    start = at.clock.now
    for minute in range(5):
        at.fake.add_note(
            ticket_id,
            f"update {minute}",
            creator=at.fake.ids["tess"],
            created=start + timedelta(minutes=minute),
        )
    at.fake.add_note(
        ticket_id, "internal: ask finance", publish=2, created=start + timedelta(hours=1)
    )
    ticket = at.backend.get(TicketRef("id", str(ticket_id)), ALICE)
    assert (ticket.status, ticket.priority, ticket.queue) == (
        "In Progress",
        "Critical",
        "Level II Support",
    )
    assert ticket.assignee == "Tess Tech"
    assert not ticket.is_closed
    assert [note.text for note in ticket.notes] == ["update 2", "update 3", "update 4"]
    assert all(note.author == "Tess Tech" for note in ticket.notes)
    # Technicians read internal notes too.
    staff_view = at.backend.get(TicketRef("id", str(ticket_id)), TESS)
    assert staff_view.notes[-1].text == "internal: ask finance"


def test_a_warm_status_check_costs_one_request(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake, assignedResourceID=at.fake.ids["tess"])
    at.fake.add_note(ticket_id, "on it", creator=at.fake.ids["tess"])
    ref = TicketRef("id", str(ticket_id))
    at.backend.get(ref, ALICE)  # cold: zone, threshold, identity, picklists, notes, names
    at.fake.reset_log()
    at.backend.get(ref, ALICE)  # within AUTOTASK_TICKET_CACHE_SECONDS: kept
    assert at.fake.requests == []
    at.clock.advance(seconds=6)
    ticket = at.backend.get(ref, ALICE)
    assert [(call.method, call.path) for call in at.fake.requests] == [
        ("GET", f"Tickets/{ticket_id}")
    ]
    assert [note.text for note in ticket.notes] == ["on it"]
    # A ticket that changed has its notes read again.
    at.clock.advance(minutes=3)
    at.fake.add_note(ticket_id, "fixed the cable", creator=at.fake.ids["tess"])
    at.fake.reset_log()
    ticket = at.backend.get(ref, ALICE)
    assert len(at.fake.requests) == 2
    assert ticket.notes[-1].text == "fixed the cable"


# -- authorization -------------------------------------------------------------------------


def test_someone_elses_ticket_answers_exactly_like_a_missing_one(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    theirs = TicketRef("id", str(ticket_id))
    missing = TicketRef("id", "999999")
    for operation in (
        lambda ref: at.backend.get(ref, BOB),
        lambda ref: at.backend.add_note(ref, "let me in", BOB),
        lambda ref: at.backend.close(ref, BOB),
    ):
        with pytest.raises(TicketNotFound) as other:
            operation(theirs)
        with pytest.raises(TicketNotFound) as absent:
            operation(missing)
        assert other.value.user_message.replace(
            str(theirs), "X"
        ) == absent.value.user_message.replace(str(missing), "X")
    assert at.fake.calls("POST", r"Tickets/\d+/Notes") == []
    assert at.fake.calls("PATCH", r"Tickets") == []


def test_company_visibility_lets_colleagues_see_each_others_tickets(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(fake, clock, company_visibility=True)
    ref = TicketRef("id", str(_alices_ticket(fake)))
    assert harness.backend.get(ref, BOB).id == ref.ticket_id  # same company
    with pytest.raises(TicketNotFound):
        harness.backend.get(ref, CAROL)  # another company


def test_technicians_see_every_ticket(at: Harness) -> None:
    carols = at.fake.add_ticket(
        contactID=at.fake.ids["carol"], companyID=200, assignedResourceID=at.fake.ids["tess"]
    )
    ticket = at.backend.get(TicketRef("id", str(carols)), TESS)
    assert ticket.requester == "Carol Other"
    assert [t.id for t in at.backend.list_open(TESS)] == [carols]


def test_staff_emails_from_settings_count_as_staff(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, staff=("bob@example.com",))
    carols = fake.add_ticket(contactID=fake.ids["carol"], companyID=200)
    assert harness.backend.get(TicketRef("id", str(carols)), BOB).id == carols


# -- identity ------------------------------------------------------------------------------


def test_contacts_are_found_by_any_of_their_three_addresses(at: Harness) -> None:
    ticket = at.backend.create(_draft(), BOB)  # Bob's chat e-mail is his emailAddress2
    assert at.fake.tickets[ticket.id]["contactID"] == at.fake.ids["bob"]
    [lookup] = at.fake.calls("POST", r"Contacts/query")
    fields = {item["field"] for item in lookup.body["filter"][0]["items"]}
    assert fields == {"emailAddress", "emailAddress2", "emailAddress3"}


def test_an_unknown_email_is_refused_by_default(at: Harness) -> None:
    with pytest.raises(RequesterUnknown) as caught:
        at.backend.create(_draft(), NOBODY)
    assert "nobody@unknown.example" in caught.value.user_message
    assert "AUTOTASK_UNKNOWN_CONTACT" in caught.value.detail
    assert at.fake.calls("POST", r"Tickets") == []


def test_an_unknown_email_can_be_filed_under_the_default_company(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(
        fake, clock, unknown_contact="default_company", default_company_id=DEFAULT_COMPANY
    )
    ticket = harness.backend.create(_draft(), NOBODY)
    stored = fake.tickets[ticket.id]
    assert stored["companyID"] == DEFAULT_COMPANY
    assert stored["contactID"] is None
    assert stored["description"].endswith("Requested via chat by: nobody@unknown.example")
    # They can follow up on it; nobody else without a contact can.
    assert harness.backend.get(ticket.ref, NOBODY).id == ticket.id
    assert [t.id for t in harness.backend.list_open(NOBODY)] == [ticket.id]
    stranger = UserRef("slack", "U-X", "Stranger", "stranger@unknown.example")
    with pytest.raises(TicketNotFound):
        harness.backend.get(ticket.ref, stranger)


def test_a_person_without_an_email_gets_a_clear_answer(at: Harness) -> None:
    with pytest.raises(RequesterUnknown) as caught:
        at.backend.list_open(UserRef("console", "local", "Local User", None))
    assert "e-mail" in caught.value.user_message
    assert at.fake.requests == []


def test_identity_is_cached(at: Harness) -> None:
    at.backend.list_open(ALICE)
    at.backend.list_open(ALICE)
    assert len(at.fake.calls("POST", r"Contacts/query")) == 1
    assert len(at.fake.calls("POST", r"Resources/query")) == 1


# -- list ----------------------------------------------------------------------------------


def test_list_open_pages_past_500_and_returns_the_newest_first(at: Harness) -> None:
    start = at.clock.now - timedelta(days=30)
    for n in range(1200):
        at.fake.add_ticket(
            contactID=at.fake.ids["alice"],
            companyID=COMPANY,
            title=f"#{n}",
            created=start + timedelta(minutes=n),
        )
    for n in range(5):  # complete ones, and someone else's, never show
        _alices_ticket(at.fake, status=5, title=f"done {n}", created=at.clock.now)
        at.fake.add_ticket(
            contactID=at.fake.ids["bob"], companyID=COMPANY, title=f"bob {n}", created=at.clock.now
        )
    newest = at.backend.list_open(ALICE, limit=3)
    assert [t.title for t in newest] == ["#1199", "#1198", "#1197"]
    everything = at.backend.list_open(ALICE, limit=5000)
    assert len(everything) == 1200
    assert len({t.id for t in everything}) == 1200
    queries = at.fake.calls("POST", r"Tickets/query")
    assert all(q.body["MaxRecords"] <= 500 for q in queries)
    assert len(queries) == 6  # 500 + 500 + 200, twice
    # The second page starts after the first page's last id.
    open_ids = sorted(
        ticket_id
        for ticket_id, row in at.fake.tickets.items()
        if row["contactID"] == at.fake.ids["alice"] and row["status"] != 5
    )
    assert queries[1].body["filter"][-1] == {"op": "gt", "field": "id", "value": open_ids[499]}


# -- notes and close -----------------------------------------------------------------------


def test_add_note_uses_the_tenants_note_picklists(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    ticket = at.backend.add_note(
        TicketRef("id", str(ticket_id)), "Still jamming after the reboot", ALICE
    )
    [post] = at.fake.calls("POST", rf"Tickets/{ticket_id}/Notes")
    assert post.body["noteType"] == 3  # the picklist's default ("Task Detail")
    assert post.body["publish"] == 1  # "All Autotask Users"
    assert post.body["title"] == "Chat note from Alice Example"
    assert post.body["description"].startswith("Still jamming after the reboot")
    assert "alice@example.com" in post.body["description"]
    assert ticket.notes[-1].text == "Still jamming after the reboot"
    assert ticket.notes[-1].author == "Alice Example"


def test_a_note_whose_answer_was_lost_is_checked_not_repeated(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    at.fake.fail("POST", rf"Tickets/{ticket_id}/Notes", mode="drop_after")
    ticket = at.backend.add_note(TicketRef("id", str(ticket_id)), "Tried tray 2", ALICE)
    assert [note.text for note in ticket.notes] == ["Tried tray 2"]
    assert len(at.fake.notes) == 1
    assert len(at.fake.calls("POST", rf"Tickets/{ticket_id}/Notes")) == 1


def test_a_note_that_was_not_filed_is_reported_not_guessed(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    at.fake.fail("POST", rf"Tickets/{ticket_id}/Notes", mode="drop")
    with pytest.raises(BackendUnavailable):
        at.backend.add_note(TicketRef("id", str(ticket_id)), "Tried tray 2", ALICE)
    assert at.fake.notes == {}
    assert len(at.fake.calls("POST", rf"Tickets/{ticket_id}/Notes")) == 1


def test_note_settings_override_the_picklist_defaults(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, note_type=1, note_publish=2, requester_note_publish=[1, 2])
    ticket_id = _alices_ticket(fake)
    ticket = harness.backend.add_note(TicketRef("id", str(ticket_id)), "hello", ALICE)
    [post] = fake.calls("POST", rf"Tickets/{ticket_id}/Notes")
    assert (post.body["noteType"], post.body["publish"]) == (1, 2)
    assert ticket.notes[-1].text == "hello"


def test_close_patches_the_complete_status_once(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))
    closed = at.backend.close(ref, ALICE)
    assert closed.is_closed and closed.status == "Complete"
    [patch] = at.fake.calls("PATCH", r"Tickets")
    assert patch.body == {"id": ticket_id, "status": 5}
    assert at.backend.close(ref, ALICE).is_closed
    assert len(at.fake.calls("PATCH", r"Tickets")) == 1
    assert at.backend.list_open(ALICE) == []


def test_reopen_patches_the_new_status_then_notes_why(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake, status=5)
    ref = TicketRef("id", str(ticket_id))

    reopened = at.backend.reopen(ref, "the jam is back", ALICE)

    assert not reopened.is_closed and reopened.status == "New"
    [patch] = at.fake.calls("PATCH", r"Tickets")
    assert patch.body == {"id": ticket_id, "status": 1}
    [note] = at.fake.calls("POST", r"Tickets/\d+/Notes")
    assert note.body is not None and str(note.body["description"]).startswith("Reopened: the jam")
    at.backend.reopen(ref, "again", ALICE)  # an open ticket is left as it is
    assert len(at.fake.calls("PATCH", r"Tickets")) == 1


def test_set_priority_maps_through_the_priority_picklist(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    ref = TicketRef("id", str(ticket_id))

    changed = at.backend.set_priority(ref, Priority.CRITICAL, ALICE)

    assert changed.priority == "Critical"
    [patch] = at.fake.calls("PATCH", r"Tickets")
    assert patch.body == {"id": ticket_id, "priority": 4}  # the tenant's value, not the order
    at.backend.set_priority(ref, Priority.CRITICAL, ALICE)
    assert len(at.fake.calls("PATCH", r"Tickets")) == 1


def test_someone_elses_ticket_cannot_be_reopened_or_reprioritised(at: Harness) -> None:
    ref = TicketRef("id", str(_alices_ticket(at.fake, status=5)))

    with pytest.raises(TicketNotFound):
        at.backend.reopen(ref, "mine now", BOB)
    with pytest.raises(TicketNotFound):
        at.backend.set_priority(ref, Priority.LOW, BOB)
    assert at.fake.calls("PATCH", r"Tickets") == []


def test_check_ready_reads_zone_and_threshold_at_most_twice_a_minute(at: Harness) -> None:
    at.backend.check_ready()
    assert [call.path for call in at.fake.requests] == [
        "/atservicesrest/v1.0/zoneInformation",
        "ThresholdInformation",
    ]
    at.clock.advance(seconds=20)
    at.backend.check_ready()  # a readiness probe must not spend the tenant's hourly budget
    assert len(at.fake.requests) == 2
    at.clock.advance(seconds=11)
    at.backend.check_ready()
    assert len(at.fake.calls("GET", r"ThresholdInformation")) == 2


def test_an_unknown_email_asking_about_a_ticket_is_told_plainly(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    with pytest.raises(RequesterUnknown) as caught:
        at.backend.get(TicketRef("id", str(ticket_id)), NOBODY)
    assert "nobody@unknown.example" in caught.value.user_message
    with pytest.raises(RequesterUnknown):
        at.backend.list_open(NOBODY)
    assert at.fake.calls("GET", r"Tickets/\d+") == []


NO_DEFAULT_NOTE_TYPES = [
    (1, "Task Summary", True, False),
    (2, "Task Detail", True, False),
    (3, "Task Notes", True, False),
    (0, "Old Notes", False, False),
]


def test_notes_work_on_a_tenant_that_flags_no_default_note_type(at: Harness) -> None:
    at.fake.note_picklists["noteType"] = Picklist(NO_DEFAULT_NOTE_TYPES)
    ticket_id = _alices_ticket(at.fake)
    at.backend.add_note(TicketRef("id", str(ticket_id)), "hello", ALICE)
    [post] = at.fake.calls("POST", rf"Tickets/{ticket_id}/Notes")
    assert post.body["noteType"] == 3  # "Task Notes", the value commonly used


def test_without_task_notes_the_lowest_active_note_type_is_used(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.note_picklists["noteType"] = Picklist(
        [entry for entry in NO_DEFAULT_NOTE_TYPES if entry[1] != "Task Notes"]
    )
    harness = make_harness(fake, clock)
    choice = harness.backend.vocabulary.note_type_choice()
    assert (choice.value.value, choice.guessed) == (1, True)  # 0 is retired


def test_the_note_type_setting_takes_a_label_or_a_value(
    monkeypatch: pytest.MonkeyPatch, fake: FakeAutotask, clock: FakeClock
) -> None:
    from core.settings import AutotaskSettings

    fake.note_picklists["noteType"] = Picklist(NO_DEFAULT_NOTE_TYPES)
    monkeypatch.setenv("AUTOTASK_NOTE_TYPE", "task detail")
    from_env = AutotaskSettings(_env_file=None).note_type
    assert make_harness(fake, clock, note_type=from_env).backend.vocabulary.note_type().value == 2
    monkeypatch.setenv("AUTOTASK_NOTE_TYPE", "1")
    from_env = AutotaskSettings(_env_file=None).note_type
    assert make_harness(fake, clock, note_type=from_env).backend.vocabulary.note_type().value == 1
