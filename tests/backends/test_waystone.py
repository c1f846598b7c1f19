"""The Waystone backend against its loopback API (the shape of the original design)."""

from __future__ import annotations

import pytest
import requests

from core.backends.http import Rejected
from core.backends.waystone import WaystoneTicketing
from core.errors import BackendUnavailable, ConfigurationError, TicketNotFound, UnsupportedOperation
from core.settings import WaystoneSettings
from core.tickets import Priority, TicketDraft, TicketRef
from tests.backends.conftest import ALICE, BOB
from tests.fakes.waystone_server import FakeWaystone


def _backend(
    fake: FakeWaystone, *, key: str | None = None, sleeps: list[float] | None = None
) -> WaystoneTicketing:
    recorded = sleeps if sleeps is not None else []
    return WaystoneTicketing(
        requests.Session(),
        base_url=fake.base_url + "/",
        api_key=key or fake.api_key,
        timeout=5,
        sleep=recorded.append,
    )


def test_create_posts_exactly_the_designed_body_with_the_bearer_key(waystone: FakeWaystone) -> None:
    ticket = _backend(waystone).create(
        TicketDraft("Laptop won't boot", "Black screen since this morning", Priority.HIGH), ALICE
    )
    [post] = waystone.calls("POST")
    assert post.path == "/tickets"
    assert post.headers["Authorization"] == f"Bearer {waystone.api_key}"
    assert post.body == {
        "title": "Laptop won't boot",
        "description": "Black screen since this morning\n\n"
        "Requested via chat by: Alice Example <alice@example.com>",
        "priority": "High",
        "status": "New",
    }
    assert ticket.id in waystone.tickets
    assert (ticket.title, ticket.status, ticket.priority) == ("Laptop won't boot", "New", "High")
    assert ticket.number == str(ticket.id)


def test_get_by_id(waystone: FakeWaystone) -> None:
    ticket_id = waystone.add_ticket(title="VPN", status="In Progress", assignee={"name": "Tess"})
    ticket = _backend(waystone).get(TicketRef("id", str(ticket_id)), ALICE)
    assert (ticket.id, ticket.title, ticket.status, ticket.assignee) == (
        ticket_id,
        "VPN",
        "In Progress",
        "Tess",
    )
    assert not ticket.is_closed


def test_a_missing_ticket_is_not_found(waystone: FakeWaystone) -> None:
    with pytest.raises(TicketNotFound):
        _backend(waystone).get(TicketRef("id", "424242"), ALICE)


def test_a_ticket_that_names_another_requester_answers_like_a_missing_one(
    waystone: FakeWaystone,
) -> None:
    ticket_id = waystone.add_ticket(requester_email="alice@example.com")
    backend = _backend(waystone)
    assert backend.get(TicketRef("id", str(ticket_id)), ALICE).id == ticket_id
    with pytest.raises(TicketNotFound):
        backend.get(TicketRef("id", str(ticket_id)), BOB)


@pytest.mark.parametrize("envelope", ["ticket", "item", "data"])
def test_the_requester_is_checked_in_whichever_envelope_the_ticket_comes(
    waystone: FakeWaystone, envelope: str
) -> None:
    ticket_id = waystone.add_ticket(requester_email="alice@example.com")
    wrapped = {envelope: waystone.tickets[ticket_id]}
    waystone.fail("GET", rf"/tickets/{ticket_id}", status=200, body=wrapped, times=2)
    backend = _backend(waystone)
    assert backend.get(TicketRef("id", str(ticket_id)), ALICE).requester == "alice@example.com"
    with pytest.raises(TicketNotFound):
        backend.get(TicketRef("id", str(ticket_id)), BOB)


def test_ticket_numbers_notes_lists_and_closing_are_plainly_unsupported(
    waystone: FakeWaystone,
) -> None:
    backend = _backend(waystone)
    ref = TicketRef("id", "701")
    with pytest.raises(UnsupportedOperation) as number:
        backend.get(TicketRef("number", "T20251104.0031"), ALICE)
    assert "48213" in number.value.user_message
    with pytest.raises(UnsupportedOperation) as note:
        backend.add_note(ref, "more", ALICE)
    assert note.value.user_message == (
        "The Waystone help desk connection can't add notes to tickets, sorry."
    )
    with pytest.raises(UnsupportedOperation):
        backend.list_open(ALICE)
    with pytest.raises(UnsupportedOperation):
        backend.close(ref, ALICE)
    with pytest.raises(UnsupportedOperation) as reopen:
        backend.reopen(ref, "it broke again", ALICE)
    assert reopen.value.user_message == (
        "The Waystone help desk connection can't reopen tickets, sorry."
    )
    with pytest.raises(UnsupportedOperation) as priority:
        backend.set_priority(ref, Priority.HIGH, ALICE)
    assert "can't change a ticket's priority" in priority.value.user_message
    assert waystone.requests == []


def test_a_wrong_key_tells_the_admin_which_setting(waystone: FakeWaystone) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _backend(waystone, key="wrong-key").create(TicketDraft("a", "b"), ALICE)
    assert "WAYSTONE_API_KEY" in caught.value.detail
    assert "wrong-key" not in caught.value.detail


def test_its_error_text_reaches_the_person(waystone: FakeWaystone) -> None:
    waystone.fail("POST", "/tickets", status=422, body={"errors": ["Title is too long"]})
    with pytest.raises(Rejected) as caught:
        _backend(waystone).create(TicketDraft("a", "b"), ALICE)
    assert caught.value.user_message == "The help desk didn't accept that: Title is too long."


def test_reads_are_retried_and_writes_are_not(waystone: FakeWaystone) -> None:
    ticket_id = waystone.add_ticket()
    sleeps: list[float] = []
    backend = _backend(waystone, sleeps=sleeps)
    waystone.fail("GET", rf"/tickets/{ticket_id}", mode="drop")
    waystone.fail("GET", rf"/tickets/{ticket_id}", status=502)
    assert backend.get(TicketRef("id", str(ticket_id)), ALICE).id == ticket_id
    assert len(waystone.calls("GET")) == 3
    assert sleeps == [0.5, 1.0]

    waystone.fail("POST", "/tickets", mode="drop_after")
    with pytest.raises(BackendUnavailable) as caught:
        backend.create(TicketDraft("Printer", "jams"), ALICE)
    assert len(waystone.calls("POST")) == 1
    said = caught.value.user_message
    assert "can't tell yet whether it was filed" in said
    assert "try again" not in said


def test_settings_are_required_by_name() -> None:
    with pytest.raises(ConfigurationError) as caught:
        WaystoneTicketing.from_settings(WaystoneSettings(_env_file=None, base_url="http://x"))
    assert "WAYSTONE_API_KEY" in caught.value.detail


def test_check_ready(waystone: FakeWaystone) -> None:
    _backend(waystone).check_ready()
    with pytest.raises(ConfigurationError):
        _backend(waystone, key="nope").check_ready()


def test_an_outage_reads_as_an_outage(waystone: FakeWaystone) -> None:
    ticket_id = waystone.add_ticket()
    waystone.fail(
        "GET", rf"/tickets/{ticket_id}", status=503, body={"error": "Service Unavailable"}, times=9
    )
    with pytest.raises(BackendUnavailable) as caught:
        _backend(waystone).get(TicketRef("id", str(ticket_id)), ALICE)
    assert caught.value.user_message.startswith("The help desk isn't answering right now; I'll")
    assert "Service Unavailable" in caught.value.detail
    assert len(waystone.calls("GET")) == 3
