"""The technicians' desk against the loopback Autotask: who may act, the exact requests each
operation sends (as the technician, through ``ImpersonationResourceId``), the fallback when
Autotask will not impersonate, Autotask's own refusals, the lists and the warm request counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.audit_trail import AuditedTechnicianDesk, AuditTrail
from core.backends.autotask import build_technician_desk
from core.backends.autotask.client import ResourceRefused
from core.backends.autotask.technicians import AutotaskTechnicianDesk
from core.backends.waystone import WaystoneTechnicianDesk
from core.errors import (
    NotATechnician,
    TechnicianToolsUnavailable,
    TicketingError,
    TicketNotFound,
    UnknownChoice,
)
from core.messages import UserRef
from core.ports import AuditEntry, TechnicianDesk
from core.tickets import TicketRef
from tests.backends.conftest import ALICE, CAROL, COMPANY, TESS, Harness, make_harness
from tests.fakes.autotask_server import DEFAULT_ROLE, FakeAutotask
from tests.support import FakeClock

JORDAN = UserRef("teams", "29:jordan", "Jordan Lee", "jordan.lee@msp.example")
JORDAN_ROLE = 29683501
LEVEL_TWO = 29683355
WAITING_CUSTOMER = 7
INTERNAL_ONLY = 2
ALL_USERS = 1


def desk_for(harness: Harness) -> AutotaskTechnicianDesk:
    return build_technician_desk(
        harness.backend, harness.settings, clock=harness.clock, sleep=harness.sleeps.append
    )


@pytest.fixture
def desk(at: Harness) -> AutotaskTechnicianDesk:
    return desk_for(at)


@pytest.fixture
def alices_ticket(fake: FakeAutotask) -> int:
    return fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY, title="Printer jam")


def ref(ticket_id: int) -> TicketRef:
    return TicketRef("id", str(ticket_id))


def api_calls(fake: FakeAutotask) -> list[tuple[str, str, str | None]]:
    """(method, path, impersonated resource) of every API request, zone lookups left out."""
    return [
        (call.method, call.path, call.impersonation)
        for call in fake.requests
        if not call.path.lower().startswith("/atservicesrest")
        and call.path != "ThresholdInformation"
    ]


def warm(desk: AutotaskTechnicianDesk, fake: FakeAutotask) -> None:
    """Roster, picklists and Alice's contact read once; the request log emptied."""
    desk.statuses(TESS)
    desk.queues(TESS)
    desk.internal_publish()
    desk.mine(TESS)
    warmup = fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY)
    desk.take(ref(warmup), TESS)
    fake.reset_log()


# -- who may act ---------------------------------------------------------------------------


def test_the_technician_is_the_active_resource_with_the_chat_e_mail(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask
) -> None:
    me = desk.technician(TESS)
    assert (me.id, me.name, me.email) == (str(fake.ids["tess"]), "Tess Tech", TESS.email)


@pytest.mark.parametrize("user", [ALICE, CAROL, UserRef("slack", "U-X", "No Mail", None)])
def test_an_end_user_is_refused_before_any_ticket_is_read(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int, user: UserRef
) -> None:
    for attempt in (
        lambda: desk.take(ref(alices_ticket), user),
        lambda: desk.set_status(ref(alices_ticket), "New", user),
        lambda: desk.add_note(ref(alices_ticket), "hello", user),
        lambda: desk.mine(user),
        lambda: desk.queue(user),
    ):
        with pytest.raises(NotATechnician) as refused:
            attempt()
        assert "Only the help desk's technicians" in refused.value.user_message
        assert str(alices_ticket) not in refused.value.user_message
    assert not fake.calls(path=r"Tickets.*")
    assert fake.tickets[alices_ticket]["assignedResourceID"] is None


def test_an_inactive_resource_is_refused(
    at: Harness, fake: FakeAutotask, clock: FakeClock, alices_ticket: int
) -> None:
    fake.add_resource("gone@msp.example", "Gone", "Away", active=False)
    desk = desk_for(at)
    with pytest.raises(NotATechnician):
        desk.take(ref(alices_ticket), UserRef("slack", "U-GONE", "Gone Away", "gone@msp.example"))
    assert not fake.calls("PATCH")


# -- take and assign -----------------------------------------------------------------------


def test_take_assigns_the_ticket_to_me_as_me(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    warm(desk, fake)
    tess = fake.ids["tess"]

    change = desk.take(ref(alices_ticket), TESS)

    assert api_calls(fake) == [
        ("GET", f"Tickets/{alices_ticket}", None),
        ("PATCH", "Tickets", str(tess)),
    ]
    assert fake.calls("PATCH")[0].body == {
        "id": alices_ticket,
        "assignedResourceID": tess,
        "assignedResourceRoleID": DEFAULT_ROLE,
    }
    stored = fake.tickets[alices_ticket]
    assert (stored["assignedResourceID"], stored["lastActivityResourceID"]) == (tess, tess)
    assert (change.field, change.before, change.after, change.as_technician) == (
        "assignee",
        None,
        "Tess Tech",
        True,
    )
    assert change.ticket.assignee == "Tess Tech"
    assert change.ticket.requester == "Alice Example"


def test_assign_by_name_uses_the_default_service_desk_role(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    # Jordan's resource names no default role: it comes from ResourceServiceDeskRoles.
    jordan = fake.add_resource(
        str(JORDAN.email), "Jordan", "Lee", role_id=JORDAN_ROLE, default_role_on_resource=False
    )
    fake.add_service_desk_role(jordan, 29683999, active=False)
    warm(desk, fake)

    change = desk.assign(ref(alices_ticket), "jordan", TESS)

    assert [(m, p) for m, p, _ in api_calls(fake)] == [
        ("GET", f"Tickets/{alices_ticket}"),
        ("POST", "ResourceServiceDeskRoles/query"),
        ("PATCH", "Tickets"),
    ]
    patch = fake.calls("PATCH")[0]
    assert patch.impersonation == str(fake.ids["tess"])
    assert patch.body["assignedResourceID"] == jordan
    assert patch.body["assignedResourceRoleID"] == JORDAN_ROLE
    assert (change.before, change.after) == (None, "Jordan Lee")

    other = fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY)
    fake.reset_log()
    desk.assign(ref(other), str(JORDAN.email), TESS)  # the role is kept: no roles query
    assert [(m, p) for m, p, _ in api_calls(fake)] == [
        ("GET", f"Tickets/{other}"),
        ("PATCH", "Tickets"),
    ]
    again = desk.assign(ref(other), "Tess Tech", TESS)
    assert (again.before, again.after) == ("Jordan Lee", "Tess Tech")


def test_assign_to_nobody_known_lists_the_technicians(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    fake.add_resource("gone@msp.example", "Gone", "Away", active=False)
    with pytest.raises(UnknownChoice) as unknown:
        desk.assign(ref(alices_ticket), "Gone Away", TESS)
    assert "Tess Tech" in unknown.value.choices
    assert "Gone Away" not in unknown.value.choices
    assert not fake.calls("PATCH")


# -- status --------------------------------------------------------------------------------


def test_status_by_any_active_label(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    warm(desk, fake)
    change = desk.set_status(ref(alices_ticket), "waiting customer", TESS)
    assert api_calls(fake) == [
        ("GET", f"Tickets/{alices_ticket}", None),
        ("PATCH", "Tickets", str(fake.ids["tess"])),
    ]
    assert fake.calls("PATCH")[0].body == {"id": alices_ticket, "status": WAITING_CUSTOMER}
    assert (change.field, change.before, change.after) == ("status", "New", "Waiting Customer")
    assert change.ticket.status == "Waiting Customer"


def test_an_unknown_status_is_answered_with_the_active_ones(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    with pytest.raises(UnknownChoice) as unknown:
        desk.set_status(ref(alices_ticket), "on fire", TESS)
    assert unknown.value.choices == ("New", "Complete", "Waiting Customer", "In Progress")
    assert "Waiting Customer" in unknown.value.user_message
    assert "Dispatched" not in unknown.value.user_message  # retired
    assert not fake.calls("PATCH")


# -- notes ---------------------------------------------------------------------------------


def test_an_internal_note_is_made_as_me_and_never_reaches_the_requester(
    at: Harness, desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    warm(desk, fake)
    change = desk.add_note(ref(alices_ticket), "Toner is low; ordering.", TESS)

    post = fake.calls("POST", rf"Tickets/{alices_ticket}/Notes")
    assert len(post) == 1
    assert post[0].impersonation == str(fake.ids["tess"])
    assert post[0].body["publish"] == INTERNAL_ONLY
    assert post[0].body["description"] == "Toner is low; ordering."
    (note,) = fake.notes.values()
    assert note["creatorResourceID"] == fake.ids["tess"]
    assert note["impersonatorCreatorResourceID"] == fake.api_resource_id
    assert (change.field, change.after, change.as_technician) == ("note", "internal", True)

    assert "Toner" not in " ".join(n.text for n in at.backend.get(ref(alices_ticket), ALICE).notes)
    staff_view = at.backend.get(ref(alices_ticket), TESS)
    assert [n.text for n in staff_view.notes] == ["Toner is low; ordering."]


def test_a_public_note_reaches_the_requester(
    at: Harness, desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    desk.add_note(ref(alices_ticket), "On my way.", TESS, internal=False)
    assert fake.calls("POST", r"Tickets/\d+/Notes")[0].body["publish"] == ALL_USERS
    seen = at.backend.get(ref(alices_ticket), ALICE)
    assert [(n.author, n.text) for n in seen.notes] == [("Tess Tech", "On my way.")]


def test_an_internal_value_requesters_read_is_refused(
    fake: FakeAutotask, clock: FakeClock, alices_ticket: int
) -> None:
    desk = desk_for(make_harness(fake, clock, requester_note_publish=[1, 2]))
    with pytest.raises(TicketingError) as refused:
        desk.add_note(ref(alices_ticket), "secret", TESS)
    assert "AUTOTASK_INTERNAL_NOTE_PUBLISH" in refused.value.detail
    assert not fake.notes


def test_a_technicians_view_marks_the_internal_notes_and_the_requesters_has_none(
    at: Harness, desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    fake.add_note(alices_ticket, "Disk is failing", publish=INTERNAL_ONLY)
    fake.add_note(alices_ticket, "We will swap the disk today", publish=ALL_USERS)

    technician = desk.ticket(ref(alices_ticket), TESS)
    requester = at.backend.get(ref(alices_ticket), ALICE)

    assert sorted((n.text, n.internal) for n in technician.notes) == [
        ("Disk is failing", True),
        ("We will swap the disk today", False),
    ]
    assert [(n.text, n.internal) for n in requester.notes] == [
        ("We will swap the disk today", False)
    ]
    with pytest.raises(NotATechnician):
        desk.ticket(ref(alices_ticket), ALICE)


# -- impersonation refused, security levels ------------------------------------------------


def test_refused_impersonation_falls_back_to_the_api_user_naming_the_technician(
    at: Harness, desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    tess = fake.ids["tess"]
    fake.resource_levels[tess] = "Not impersonable"
    desk.technician(TESS)
    fake.reset_log()

    change = desk.take(ref(alices_ticket), TESS)

    writes = [(c.method, c.path, c.impersonation) for c in fake.requests if c.method != "GET"]
    writes = [w for w in writes if not w[1].endswith("/query")]
    assert writes == [
        ("PATCH", "Tickets", str(tess)),  # refused: Tess's security level can't be impersonated
        ("PATCH", "Tickets", None),
        ("POST", f"Tickets/{alices_ticket}/Notes", None),
    ]
    assert fake.tickets[alices_ticket]["assignedResourceID"] == tess
    (note,) = fake.notes.values()
    assert note["publish"] == INTERNAL_ONLY
    assert note["description"].startswith("Tess Tech assigned the ticket to Tess Tech")
    assert f"Tess Tech <{TESS.email}>" in note["description"]
    assert change.as_technician is False
    # One technician's security level is not the bot's configuration failing.
    assert at.client.health.failed_within(timedelta(minutes=5)) is None
    at.backend.check_ready()

    fake.reset_log()
    noted = desk.add_note(ref(alices_ticket), "Parts ordered.", TESS)
    (post,) = fake.calls("POST", r"Tickets/\d+/Notes")
    assert post.impersonation is None  # not asked again while remembered
    assert post.body["description"] == f"Parts ordered.\n\n— Tess Tech <{TESS.email}>, via chat"
    assert noted.as_technician is False


def test_autotask_refusing_the_action_for_the_security_level_is_shown_plainly(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    fake.resource_levels[fake.ids["tess"]] = "Read only"
    with pytest.raises(ResourceRefused) as refused:
        desk.set_status(ref(alices_ticket), "In Progress", TESS)
    assert "does not have permission" in refused.value.user_message
    assert "security level" in refused.value.user_message
    assert len(fake.calls("PATCH")) == 1  # no fallback around a security level
    assert fake.tickets[alices_ticket]["status"] == 1


def test_a_403_for_the_technician_is_shown_in_autotasks_words(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    fake.fail("PATCH", "Tickets", status=403, body={"errors": ["Access to Tickets denied."]})
    with pytest.raises(ResourceRefused) as refused:
        desk.take(ref(alices_ticket), TESS)
    assert "Access to Tickets denied." in refused.value.user_message
    assert refused.value.status == 403


def test_a_ticket_that_does_not_exist_is_not_found(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask
) -> None:
    with pytest.raises(TicketNotFound):
        desk.take(ref(999999), TESS)
    assert not fake.calls("PATCH")


# -- lists ---------------------------------------------------------------------------------


def test_mine_is_my_open_tickets_paged_by_id(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, clock: FakeClock
) -> None:
    tess = fake.ids["tess"]
    mine = [
        fake.add_ticket(assignedResourceID=tess, created=datetime(2026, 11, 1, 8, i % 60))
        for i in range(503)
    ]
    fake.add_ticket(assignedResourceID=tess, status=5)  # complete
    fake.add_ticket(assignedResourceID=fake.api_resource_id)  # someone else's
    desk.statuses(TESS)
    fake.reset_log()

    shown = desk.mine(TESS, limit=3)

    queries = fake.calls("POST", r"Tickets/query")
    assert len(queries) == 2  # 500 + 3, paged with id gt <last id>
    assert {"op": "gt", "field": "id", "value": mine[499]} in queries[1].body["filter"]
    assert {"op": "eq", "field": "assignedResourceID", "value": tess} in queries[0].body["filter"]
    assert len(shown) == 3
    assert all(t.assignee == "Tess Tech" and not t.is_closed for t in shown)
    assert [t.id for t in shown] == sorted(
        mine, key=lambda i: (fake.tickets[i]["createDate"], i), reverse=True
    )[:3]


def test_queue_is_the_unassigned_open_tickets_of_the_named_queue(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask
) -> None:
    waiting = [fake.add_ticket(queueID=LEVEL_TWO) for _ in range(3)]
    fake.add_ticket(queueID=LEVEL_TWO, assignedResourceID=fake.ids["tess"])
    fake.add_ticket(queueID=LEVEL_TWO, status=5)
    fake.add_ticket()  # Level I
    desk.statuses(TESS)
    fake.reset_log()

    shown = desk.queue(TESS, "level ii support")

    assert [t.id for t in shown] == waiting
    assert all(t.queue == "Level II Support" for t in shown)
    (query,) = fake.calls("POST", r"Tickets/query")
    assert {"op": "notExist", "field": "assignedResourceID"} in query.body["filter"]
    assert {"op": "eq", "field": "queueID", "value": LEVEL_TWO} in query.body["filter"]

    with pytest.raises(UnknownChoice) as unknown:
        desk.queue(TESS, "Retired Queue")
    assert unknown.value.choices == ("Client Portal", "Level I Support", "Level II Support")


def test_warm_lists_and_pickers_cost_one_query_or_none(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask
) -> None:
    fake.add_ticket(assignedResourceID=fake.ids["tess"])
    warm(desk, fake)

    assert [t.name for t in desk.technicians(TESS)] == ["API User", "Tess Tech"]
    assert "Waiting Customer" in desk.statuses(TESS)
    assert "Level II Support" in desk.queues(TESS)
    assert api_calls(fake) == []

    desk.mine(TESS)
    desk.queue(TESS, "Level I Support")
    assert [(m, p) for m, p, _ in api_calls(fake)] == [
        ("POST", "Tickets/query"),
        ("POST", "Tickets/query"),
    ]


# -- audit and Waystone --------------------------------------------------------------------


class ListAudit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


def test_every_technician_action_is_audited_with_before_and_after(
    desk: AutotaskTechnicianDesk, fake: FakeAutotask, clock: FakeClock, alices_ticket: int
) -> None:
    log = ListAudit()
    audited: TechnicianDesk = AuditedTechnicianDesk(desk, AuditTrail(log, clock))
    audited.take(ref(alices_ticket), TESS)
    audited.set_status(ref(alices_ticket), "In Progress", TESS)
    with pytest.raises(NotATechnician):
        audited.take(ref(alices_ticket), ALICE)

    take, status, refused = log.entries
    number = fake.tickets[alices_ticket]["ticketNumber"]
    assert (take.action, take.ticket, take.outcome) == ("technician.take", number, "ok")
    assert take.detail["by"] == TESS.email
    assert (take.detail["before"], take.detail["after"]) == (None, "Tess Tech")
    assert (status.detail["field"], status.detail["before"], status.detail["after"]) == (
        "status",
        "New",
        "In Progress",
    )
    assert (refused.action, refused.outcome) == ("refused.technician", "refused")
    assert refused.detail["by"] == ALICE.email


def test_waystone_has_no_technician_tools() -> None:
    desk: TechnicianDesk = WaystoneTechnicianDesk()
    ticket = ref(1)
    for attempt in (
        lambda: desk.technician(TESS),
        lambda: desk.ticket(ticket, TESS),
        lambda: desk.take(ticket, TESS),
        lambda: desk.assign(ticket, "Jordan", TESS),
        lambda: desk.set_status(ticket, "New", TESS),
        lambda: desk.add_note(ticket, "x", TESS),
        lambda: desk.mine(TESS),
        lambda: desk.queue(TESS),
        lambda: desk.technicians(TESS),
        lambda: desk.statuses(TESS),
        lambda: desk.queues(TESS),
    ):
        with pytest.raises(TechnicianToolsUnavailable) as unavailable:
            attempt()
        assert "not available on this help desk" in unavailable.value.user_message


def test_the_per_request_impersonation_overrides_the_configured_one(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    other = fake.add_resource("desk@msp.example", "Desk", "Bot")
    harness = make_harness(fake, clock, impersonation_resource_id=other)
    ticket = fake.add_ticket()
    harness.client.request("PATCH", "Tickets", body={"id": ticket, "priority": 1})
    harness.client.request(
        "PATCH", "Tickets", body={"id": ticket, "priority": 3}, impersonate=fake.ids["tess"]
    )
    assert [c.impersonation for c in fake.calls("PATCH")] == [str(other), str(fake.ids["tess"])]


def test_a_lost_answer_is_settled_by_reading_the_ticket_back(
    at: Harness, desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    fake.fail("PATCH", "Tickets", mode="drop_after")
    change = desk.set_status(ref(alices_ticket), "In Progress", TESS)
    assert change.after == "In Progress" and change.as_technician
    assert fake.tickets[alices_ticket]["status"] == 8
    assert len(fake.calls("PATCH")) == 1  # never sent twice


def test_a_change_keeps_the_notes_read_before_it_without_reading_them_again(
    at: Harness, desk: AutotaskTechnicianDesk, fake: FakeAutotask, alices_ticket: int
) -> None:
    fake.add_note(alices_ticket, "Paper tray 2 is stuck.")
    at.backend.get(ref(alices_ticket), TESS)
    fake.reset_log()
    change = desk.take(ref(alices_ticket), TESS)
    assert [n.text for n in change.ticket.notes] == ["Paper tray 2 is stuck."]
    assert not fake.calls(path=r"TicketNotes/query")
