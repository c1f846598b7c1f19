"""Technicians in chat against the loopback Autotask, through the assistant: every write is
sent as the technician (``ImpersonationResourceId``), a triage card's priority too; an end
user's ``ticket take`` is refused without a ticket being read; an internal note never reaches
the requester's view."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from core import actions
from core.assistant import Assistant
from core.classifier.rules import RuleClassifier
from core.knowledge import YamlKnowledgeBase
from core.messages import ActionInvoked, Reply, UserRef
from core.settings import DEFAULT_KNOWLEDGE_FILE
from core.tickets import TicketRef
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.history import SqlConversationStore
from tests.backends.conftest import ALICE, COMPANY, TESS, Harness
from tests.backends.test_autotask_technicians import INTERNAL_ONLY, desk_for
from tests.fakes.autotask_server import FakeAutotask
from tests.support import message

REFUSAL = "Only the help desk's technicians can do that."


@pytest.fixture
def assistant(at: Harness, database: Database) -> Assistant:
    return Assistant(
        store=SqlConversationStore(database),
        ticketing=at.backend,
        classifier=RuleClassifier(),
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=at.clock,
        audit=SqlAuditLog(database),
        technicians=desk_for(at),
    )


@pytest.fixture
def ticket(fake: FakeAutotask) -> int:
    return fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY, title="Printer jam")


def say(assistant: Assistant, text: str, user: UserRef = TESS) -> str:
    return "\n".join(r.text for r in assistant.handle(message(text, user)))


def click(assistant: Assistant, action_id: str, values: dict[str, str]) -> list[Reply]:
    event = ActionInvoked(
        event_id=f"click-{action_id}",
        conversation=message("-", TESS, channel="triage").conversation,
        user=TESS,
        action_id=action_id,
        values=MappingProxyType(values),
    )
    return assistant.handle(event)


def test_a_technicians_commands_are_made_in_their_name(
    assistant: Assistant, fake: FakeAutotask, ticket: int, database: Database
) -> None:
    tess = str(fake.ids["tess"])

    took = say(assistant, f"ticket take {ticket}")
    moved = say(assistant, f"put {ticket} on waiting customer")
    noted = say(assistant, f"ticket note {ticket} --internal toner is low, ordering")
    priority = click(
        assistant, actions.TRIAGE_PRIORITY, {actions.TICKET: str(ticket), "priority": "High"}
    )

    assert "You've taken ticket" in took
    assert "is now Waiting Customer (was New)" in moved
    assert "internal note" in noted
    assert "now High priority" in priority[0].text
    writes = [c for c in fake.requests if c.method in ("PATCH", "POST") and "query" not in c.path]
    assert [(c.method, c.path, c.impersonation) for c in writes] == [
        ("PATCH", "Tickets", tess),
        ("PATCH", "Tickets", tess),
        ("POST", f"Tickets/{ticket}/Notes", tess),
        ("PATCH", "Tickets", tess),
    ]
    stored = fake.tickets[ticket]
    assert stored["assignedResourceID"] == fake.ids["tess"]
    (note,) = fake.notes.values()
    assert note["publish"] == INTERNAL_ONLY
    audited = [e for e in SqlAuditLog(database).query(limit=50) if e.action.startswith("tech")]
    assert sorted(e.action for e in audited) == [
        "technician.note",
        "technician.priority",
        "technician.status",
        "technician.take",
    ]
    assert all(e.detail["by"] == TESS.email and e.detail["as_technician"] for e in audited)

    requester_view = say(assistant, f"ticket status {ticket}", ALICE)
    assert "Waiting Customer" in requester_view and "toner" not in requester_view.casefold()
    shown = assistant.ticketing.get(TicketRef("id", str(ticket)), ALICE)
    assert all("toner" not in n.text for n in shown.notes)


def test_an_end_users_take_is_refused_before_any_ticket_is_read(
    assistant: Assistant, fake: FakeAutotask, ticket: int
) -> None:
    fake.reset_log()

    answer = say(assistant, f"ticket take {ticket}", ALICE)

    assert REFUSAL in answer and "Printer jam" not in answer
    assert not fake.calls(path=r"Tickets.*")
    assert fake.tickets[ticket]["assignedResourceID"] is None


def test_a_technicians_my_tickets_are_the_ones_assigned_to_them(
    assistant: Assistant, fake: FakeAutotask, ticket: int
) -> None:
    other = fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY, title="Mouse")
    say(assistant, f"I'll take {ticket}")

    mine = say(assistant, "show my tickets")
    queue = say(assistant, "what's in the queue?")

    assert "Printer jam" in mine and "Mouse" not in mine
    assert "Mouse" in queue and "Printer jam" not in queue
    assert str(other) in queue


def test_a_priority_button_clicked_twice_patches_once(
    assistant: Assistant, fake: FakeAutotask, ticket: int
) -> None:
    values = {actions.TICKET: str(ticket), actions.INPUT_PRIORITY: "Critical"}
    first = click(assistant, actions.TRIAGE_PRIORITY, values)
    second = assistant.handle(
        ActionInvoked(
            event_id="click-again",
            conversation=message("-", TESS, channel="triage").conversation,
            user=TESS,
            action_id=actions.TRIAGE_PRIORITY,
            values=MappingProxyType(values),
        )
    )

    assert "now Critical priority (was Medium)" in first[0].text
    assert "is already Critical priority" in second[0].text
    patches = fake.calls("PATCH", "Tickets")
    assert len(patches) == 1 and patches[0].impersonation == str(fake.ids["tess"])
