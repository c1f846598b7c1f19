"""The whole conversation loop on each backend: the Assistant with a real SQLite history, the
offline rule classifier, and the Autotask or Waystone backend over real HTTP to its loopback
API."""

from __future__ import annotations

import requests

from core.assistant import Assistant
from core.backends.waystone import WaystoneTicketing
from core.classifier.rules import RuleClassifier
from core.knowledge import YamlKnowledgeBase
from core.messages import Reply, UserRef
from core.ports import TicketingSystem
from core.settings import DEFAULT_KNOWLEDGE_FILE
from storage.db import Database
from storage.history import SqlConversationStore
from tests.backends.conftest import ALICE, BOB, COMPANY, Harness
from tests.fakes.waystone_server import FakeWaystone
from tests.support import FakeClock, message, only

PRINTER = "My printer on floor 3 keeps jamming, please help"


def _assistant(database: Database, ticketing: TicketingSystem, clock: FakeClock) -> Assistant:
    return Assistant(
        store=SqlConversationStore(database),
        ticketing=ticketing,
        classifier=RuleClassifier(),
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=clock,
    )


def _say(assistant: Assistant, text: str, user: UserRef = ALICE) -> Reply:
    return only(assistant.handle(message(text, user)))


def test_a_conversation_on_autotask(database: Database, at: Harness) -> None:
    bot = _assistant(database, at.backend, at.clock)

    draft = _say(bot, PRINTER)
    assert draft.card is not None and draft.card.kind == "draft"
    assert at.fake.tickets == {}

    created = _say(bot, "yes")
    [(ticket_id, stored)] = at.fake.tickets.items()
    assert stored["contactID"] == at.fake.ids["alice"] and stored["companyID"] == COMPANY
    assert stored["description"] == PRINTER
    number = stored["ticketNumber"]
    assert number in created.text
    assert created.card is not None and created.card.link is not None
    assert created.card.link.url.endswith(f"TicketID={ticket_id}")

    status = _say(bot, f"is my ticket {number} done yet?")
    assert "New" in status.text

    _say(bot, f"add to {ticket_id}: I tried another tray")
    [note] = at.fake.notes.values()
    assert note["ticketID"] == ticket_id
    assert note["description"].startswith("I tried another tray")

    # Someone else asking gets the same answer as for a ticket that does not exist.
    assert "couldn't find ticket" in _say(bot, f"what is the status of {ticket_id}", BOB).text

    listed = _say(bot, "show my tickets")
    assert number in listed.text

    ask = _say(bot, f"close {ticket_id}")
    assert ask.card is not None and ask.card.kind == "close_confirm"
    assert at.fake.tickets[ticket_id]["status"] == 1
    _say(bot, "yes")
    assert at.fake.tickets[ticket_id]["status"] == 5
    assert len(at.fake.calls("POST", r"Tickets")) == 1


def test_autotask_errors_reach_the_person_politely(
    database: Database, at: Harness, clock: FakeClock
) -> None:
    at.fake.fail(
        "POST", r"Tickets", status=500, body={"errors": ["Missing Required Field: issueType"]}
    )
    bot = _assistant(database, at.backend, clock)
    _say(bot, PRINTER)
    answer = _say(bot, "yes")
    assert answer.text == "The help desk didn't accept that: Missing Required Field: issueType."
    assert at.fake.tickets == {}


def test_a_conversation_on_waystone(
    database: Database, waystone: FakeWaystone, clock: FakeClock
) -> None:
    backend = WaystoneTicketing(
        requests.Session(),
        base_url=waystone.base_url,
        api_key=waystone.api_key,
        sleep=lambda _: None,
    )
    bot = _assistant(database, backend, clock)

    _say(bot, PRINTER)
    created = _say(bot, "yes")
    [(ticket_id, stored)] = waystone.tickets.items()
    assert stored["title"] == "My printer on floor 3 keeps jamming"
    assert stored["priority"] == "Medium" and stored["status"] == "New"
    assert str(ticket_id) in created.text

    # The command grammar works the same on every backend.
    status = _say(bot, f"ticket status {ticket_id}")
    assert "New" in status.text and status.card is not None
    assert _say(bot, f"ticket note {ticket_id} I tried another tray").text == (
        "The Waystone help desk connection can't add notes to tickets, sorry."
    )
    assert "can't list your tickets" in _say(bot, "show my tickets").text
    assert len(waystone.calls("POST")) == 1
