"""Attaching files: Autotask's TicketAttachments (the body checked against the Swagger model by
the fake), the local desk, Waystone (which has no endpoint for them), and the assistant around
them: after the write, never instead of it."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from core.assistant import Assistant
from core.attachments import AttachmentRejected
from core.backends.http import WriteOutcomeUnknown
from core.backends.waystone import WaystoneTicketing
from core.errors import TicketNotFound, UnsupportedOperation
from core.intents import Classification, Intent
from core.knowledge import YamlKnowledgeBase
from core.messages import AttachmentRef, InboundMessage
from core.settings import DEFAULT_KNOWLEDGE_FILE, WaystoneSettings
from core.tickets import TicketDraft, TicketRef
from storage.attachments import SqlAttachmentStore
from storage.db import Database
from storage.history import SqlConversationStore
from storage.local_desk import LocalDesk
from storage.models import LocalAttachmentRow
from tests.backends.conftest import ALICE, BOB, COMPANY, Harness
from tests.fakes.waystone_server import FakeWaystone
from tests.support import FakeClock, ScriptedClassifier, conversation_for

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def _alices_ticket(at: Harness) -> int:
    return at.fake.add_ticket(contactID=at.fake.ids["alice"], companyID=COMPANY)


# -- Autotask -----------------------------------------------------------------------------


def test_autotask_posts_a_ticket_attachment_model(at: Harness) -> None:
    ticket_id = _alices_ticket(at)

    at.backend.attach(TicketRef("id", str(ticket_id)), "screenshot.png", "image/png", PNG, ALICE)

    [post] = at.fake.calls("POST", rf"Tickets/{ticket_id}/Attachments")
    # Every name is a TicketAttachmentModel property (the fake refuses others), with the
    # values a file attachment takes.
    assert post.body == {
        "parentID": ticket_id,
        "title": "screenshot.png",
        "fullPath": "screenshot.png",
        "data": base64.b64encode(PNG).decode("ascii"),
        "attachmentType": "FILE_ATTACHMENT",
        "publish": 1,
    }
    [stored] = at.fake.attachments.values()
    assert stored["parentID"] == ticket_id
    assert at.fake.attachment_data[stored["id"]] == PNG


def test_autotask_refuses_a_file_over_its_limit_without_sending_it(at: Harness) -> None:
    ticket_id = _alices_ticket(at)

    with pytest.raises(AttachmentRejected) as raised:
        at.backend.attach(
            TicketRef("id", str(ticket_id)), "capture.mov", "video/mp4", b"x" * 6_000_001, ALICE
        )

    assert raised.value.user_message == "it is 6.0 MB; Autotask takes files up to 6.0 MB"
    assert at.fake.calls("POST", r"Tickets/\d+/Attachments") == []


def test_autotask_words_reach_the_person_when_it_refuses_a_file(at: Harness) -> None:
    ticket_id = _alices_ticket(at)
    at.fake.fail(
        "POST",
        rf"Tickets/{ticket_id}/Attachments",
        body={"errors": ["Attachment type .xyz is not allowed."]},
    )

    with pytest.raises(AttachmentRejected) as raised:
        at.backend.attach(TicketRef("id", str(ticket_id)), "a.xyz", "application/x", b"1", ALICE)

    assert raised.value.user_message == "Autotask refused it: Attachment type .xyz is not allowed"


def test_an_attachment_whose_answer_was_lost_is_found_not_sent_twice(at: Harness) -> None:
    ticket_id = _alices_ticket(at)
    at.fake.fail("POST", rf"Tickets/{ticket_id}/Attachments", mode="drop_after")

    at.backend.attach(TicketRef("id", str(ticket_id)), "screenshot.png", "image/png", PNG, ALICE)

    assert len(at.fake.calls("POST", rf"Tickets/{ticket_id}/Attachments")) == 1
    assert len(at.fake.attachments) == 1
    [query] = at.fake.calls("POST", r"TicketAttachments/query")
    assert {"op": "eq", "field": "parentID", "value": ticket_id} in query.body["filter"]


def test_an_attachment_that_did_not_land_is_sent_once_more(at: Harness) -> None:
    ticket_id = _alices_ticket(at)
    at.fake.fail("POST", rf"Tickets/{ticket_id}/Attachments", mode="drop")

    at.backend.attach(TicketRef("id", str(ticket_id)), "screenshot.png", "image/png", PNG, ALICE)

    assert len(at.fake.calls("POST", rf"Tickets/{ticket_id}/Attachments")) == 2
    assert len(at.fake.attachments) == 1


def test_an_attachment_lost_twice_is_reported_not_guessed(at: Harness) -> None:
    ticket_id = _alices_ticket(at)
    at.fake.fail("POST", rf"Tickets/{ticket_id}/Attachments", mode="status", status=500, times=2)

    with pytest.raises(WriteOutcomeUnknown):
        at.backend.attach(TicketRef("id", str(ticket_id)), "s.png", "image/png", PNG, ALICE)


def test_autotask_attaches_only_to_tickets_the_person_may_see(at: Harness) -> None:
    carols = at.fake.add_ticket(contactID=at.fake.ids["carol"], companyID=200)

    with pytest.raises(TicketNotFound):
        at.backend.attach(TicketRef("id", str(carols)), "s.png", "image/png", PNG, ALICE)

    assert at.fake.calls("POST", r"Tickets/\d+/Attachments") == []


# -- the local desk and Waystone ----------------------------------------------------------


def test_the_local_desk_keeps_the_file_once_with_the_ticket(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'desk.db'}")
    desk = LocalDesk(database, clock=FakeClock())
    ticket = desk.create(TicketDraft("VPN drops", "It drops."), ALICE)

    desk.attach(ticket.ref, "screenshot.png", "image/png", PNG, ALICE)
    desk.attach(ticket.ref, "screenshot.png", "image/png", PNG, ALICE)  # a retry

    with database.sessions() as session:
        rows = session.scalars(select(LocalAttachmentRow)).all()
        assert [(r.ticket_id, r.name, r.data) for r in rows] == [(ticket.id, "screenshot.png", PNG)]
    with pytest.raises(TicketNotFound):
        desk.attach(ticket.ref, "other.png", "image/png", PNG, BOB)


def test_waystone_says_it_cannot_hold_files(waystone: FakeWaystone) -> None:
    backend = WaystoneTicketing.from_settings(
        WaystoneSettings(_env_file=None, base_url=waystone.base_url, api_key="test-waystone-key")
    )

    with pytest.raises(UnsupportedOperation) as raised:
        backend.attach(TicketRef("id", "1"), "s.png", "image/png", PNG, ALICE)

    assert (
        raised.value.user_message
        == "The Waystone help desk connection can't attach files to tickets, sorry."
    )
    assert waystone.calls() == []


# -- the whole loop on Autotask -----------------------------------------------------------


def test_a_confirmed_draft_with_a_screenshot_on_autotask(database: Database, at: Harness) -> None:
    store = SqlAttachmentStore(database, clock=at.clock)
    bot = Assistant(
        store=SqlConversationStore(database),
        ticketing=at.backend,
        classifier=ScriptedClassifier(),
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=at.clock,
        attachments=store,
    )
    bot.classifier = ScriptedClassifier(
        {"VPN keeps dropping, screenshot attached": Classification(Intent.CREATE_TICKET)}
    )
    shot = AttachmentRef(
        store.save("slack:U-ALICE", "screenshot.png", "image/png", PNG),
        "screenshot.png",
        "image/png",
        len(PNG),
    )
    first = InboundMessage(
        "evt-file-1",
        conversation_for(ALICE),
        ALICE,
        "VPN keeps dropping, screenshot attached",
        at.clock(),
        attachments=(shot,),
    )
    # The create's answer is lost once: the ticket is found by its stamp, not filed twice, and
    # the file is attached to it once.
    at.fake.fail("POST", r"Tickets", mode="drop_after")

    bot.handle(first)
    created, files = bot.handle(replace(first, event_id="evt-file-2", text="yes", attachments=()))

    [(ticket_id, ticket)] = at.fake.tickets.items()
    assert ticket["ticketNumber"] in created.text
    assert files.text == f"Attached to ticket {ticket['ticketNumber']}: screenshot.png."
    [stored] = at.fake.attachments.values()
    assert stored["parentID"] == ticket_id and stored["title"] == "screenshot.png"
    assert at.fake.attachment_data[stored["id"]] == PNG
