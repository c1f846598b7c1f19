"""Autotask as a source of updates, over real HTTP to the loopback tenant: polling (a fixed
number of requests per round), signed webhook callouts (forged or unsigned: 401, nothing
stored), and the same messages either way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from bots.updates.webhook import WEBHOOK_PATH, add_webhook_route
from core.assistant import Assistant
from core.backends.autotask.updates import AutotaskFeed
from core.backends.autotask.webhooks import (
    STATE_NAME,
    InstalledWebhook,
    WebhookAdmin,
    sign,
    verify,
)
from core.classifier.rules import RuleClassifier
from core.knowledge import YamlKnowledgeBase
from core.messages import Reply
from core.settings import DEFAULT_KNOWLEDGE_FILE
from core.updates.polling import Poller
from core.updates.service import Dispatcher, StoreTracker, UpdateService
from core.updates.tracking import TrackingTicketing
from storage.db import Database
from storage.history import SqlConversationStore
from storage.updates import SqlUpdateStore
from tests.backends.conftest import ALICE, Harness
from tests.fakes.loopback import start_app
from tests.support import message
from tests.updates.harness import RecordingSender


class AutotaskLoop:
    def __init__(self, database: Database, at: Harness) -> None:
        self.at = at
        self.store = SqlUpdateStore(database)
        self.feed = AutotaskFeed(at.backend)
        self.service = UpdateService(
            self.store, self.feed, at.clock, coalesce=timedelta(seconds=60)
        )
        self.poller = Poller(
            self.store, self.feed, self.service, at.clock, interval=timedelta(seconds=60)
        )
        self.sender = RecordingSender(platform="slack")
        self.dispatcher = Dispatcher(self.store, {"slack": self.sender}, at.clock)
        tracker = StoreTracker(self.store, "autotask", at.clock)
        self.assistant = Assistant(
            store=SqlConversationStore(database),
            ticketing=TrackingTicketing(at.backend, tracker),
            classifier=RuleClassifier(),
            knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
            clock=at.clock,
        )

    def create(self, text: str = "ticket new The VPN drops every hour") -> int:
        self.assistant.handle(message(text, ALICE))
        return max(self.at.fake.tickets)

    def deliver(self, *, after_seconds: float = 61) -> list[Reply]:
        self.at.clock.advance(seconds=after_seconds)
        before = len(self.sender.sent)
        self.service.process_due()
        asyncio.run(self.dispatcher.deliver_due())
        return [reply for _, reply in self.sender.sent[before:]]

    def technician_acts(self, ticket_id: int) -> None:
        """Tess assigns herself, sets In Progress, writes a public and an internal note."""
        fake = self.at.fake
        self.at.clock.advance(seconds=30)
        ticket = fake.tickets[ticket_id]
        ticket["assignedResourceID"] = fake.ids["tess"]
        ticket["status"] = 8  # In Progress in the fake's picklist
        fake.add_note(ticket_id, "Sent you a new VPN profile", publish=1, creator=fake.ids["tess"])
        fake.add_note(ticket_id, "Firewall rule 12 is wrong", publish=2, creator=fake.ids["tess"])


def test_polling_delivers_assignment_status_and_public_note_not_the_internal_one(
    database: Database, at: Harness
) -> None:
    loop = AutotaskLoop(database, at)
    ticket_id = loop.create()
    loop.poller.poll()  # sets the watermark
    loop.technician_acts(ticket_id)
    at.clock.advance(seconds=60)

    recorded = loop.poller.poll()
    [reply] = loop.deliver()

    assert recorded == 1
    assert "Tess Tech is on it" in reply.text
    assert "Sent you a new VPN profile" in reply.text
    assert "Firewall" not in reply.text
    assert loop.deliver() == []


def test_a_change_in_the_same_second_as_the_watermark_is_found(
    database: Database, at: Harness
) -> None:
    """The filter's watermark goes out in whole seconds ("…T09:30:00Z") and the activity comes
    back in milliseconds ("…T09:30:00.800"): an instant after the watermark, however written."""
    loop = AutotaskLoop(database, at)
    at.clock.advance(seconds=0.2)
    loop.poller.poll()  # nothing tracked yet: the watermark is now, 09:30:00.200
    at.clock.advance(seconds=0.3)
    ticket_id = loop.create()
    at.clock.advance(seconds=0.3)
    at.fake.add_note(
        ticket_id, "Sent you a new VPN profile", publish=1, creator=at.fake.ids["tess"]
    )

    assert loop.poller.poll() == 1
    [reply] = loop.deliver()
    assert "Sent you a new VPN profile" in reply.text
    assert loop.poller.poll() == 0  # found once


def test_a_polling_round_costs_one_request_however_many_tickets_are_tracked(
    database: Database, at: Harness
) -> None:
    loop = AutotaskLoop(database, at)
    for n in range(12):
        loop.create(f"ticket new Problem number {n}")
    at.clock.advance(seconds=61)
    at.fake.reset_log()

    loop.poller.poll()
    quiet_round = len(at.fake.calls())
    at.clock.advance(seconds=61)
    loop.poller.poll()

    assert quiet_round == 1
    assert len(at.fake.calls()) == 2
    assert [c.path for c in at.fake.calls()] == ["Tickets/query", "Tickets/query"]


def test_polling_pauses_when_the_hourly_threshold_is_near(database: Database, at: Harness) -> None:
    loop = AutotaskLoop(database, at)
    loop.create()
    at.fake.threshold_used = int(at.fake.threshold * 0.9)
    at.client.threshold()  # the client learns how much is used
    at.fake.reset_log()

    assert loop.poller.poll() == 0
    assert at.fake.calls() == []


def test_the_signature_is_autotasks_documented_form() -> None:
    body = b'{"Action":"Update"}'
    signature = sign(body, "s3cret-key")

    assert signature.startswith("sha1=") and signature.endswith("=")
    assert verify(body, signature, "s3cret-key")
    assert not verify(body, signature, "other-key")
    assert not verify(body + b" ", signature, "s3cret-key")
    assert not verify(body, signature.removeprefix("sha1="), "s3cret-key")
    assert not verify(body, None, "s3cret-key")


def test_webhooks_install_status_and_remove_through_the_api(
    database: Database, at: Harness
) -> None:
    admin = WebhookAdmin(at.client)

    installed = admin.install("https://bot.example/autotask/webhook", "it@example.com")
    status = admin.status(installed)
    [stored] = at.fake.webhooks.values()
    fields = sorted(f["fieldID"] for f in at.fake.webhook_fields.values())
    admin.remove(installed)

    assert installed.guid == stored["webhookGUID"] and installed.secret == stored["secretKey"]
    assert installed.note_webhook_id is None  # this tenant has no TicketNoteWebhooks
    assert fields == [4, 7, 12]
    assert status == {
        "active": True,
        "ready": True,
        "url": "https://bot.example/autotask/webhook",
        "guid_matches": True,
    }
    assert at.fake.webhooks == {}
    assert admin.status(installed) is None


@pytest.mark.anyio
async def test_signed_callouts_are_stored_once_and_forged_ones_get_401(
    database: Database, at: Harness
) -> None:
    loop = AutotaskLoop(database, at)
    ticket_id = loop.create()
    installed = WebhookAdmin(at.client).install("https://bot.example/hook", "it@example.com")
    loop.store.put_state(STATE_NAME, installed.to_json(), at.clock())
    refused: list[str] = []
    app = web.Application()
    add_webhook_route(
        app, loop.service, loop.store, lambda action, **kw: refused.append(str(kw["reason"]))
    )
    runner, port = await start_app(app)
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    loop.technician_acts(ticket_id)
    body, headers = at.fake.callout(ticket_id, sequence=1, fields={"Status": "8"})
    try:
        async with aiohttp.ClientSession() as http:
            unsigned = await http.post(url, data=body, headers={"Content-Type": "application/json"})
            forged_headers = {**headers, "X-Hook-Signature": sign(body, "guessed-secret")}
            forged = await http.post(url, data=body, headers=forged_headers)
            tampered = await http.post(
                url, data=body.replace(b"Update", b"Delete"), headers=headers
            )
            first = await http.post(url, data=body, headers=headers)
            again = await http.post(url, data=body, headers=headers)
            first_json, again_json = await first.json(), await again.json()
    finally:
        await runner.cleanup()

    assert [unsigned.status, forged.status, tampered.status] == [401, 401, 401]
    assert refused == ["bad or missing signature"] * 3
    assert first.status == 200 and first_json["duplicate"] is False
    assert again.status == 200 and again_json["duplicate"] is True
    [reply] = await asyncio.to_thread(loop.deliver)
    assert "Tess Tech is on it" in reply.text and "Firewall" not in reply.text


@pytest.mark.anyio
async def test_a_callout_for_another_webhook_is_refused(database: Database, at: Harness) -> None:
    loop = AutotaskLoop(database, at)
    ours = WebhookAdmin(at.client).install("https://bot.example/hook", "it@example.com")
    other = WebhookAdmin(at.client).install("https://else.example/hook", "it@example.com")
    # Someone who knows our secret but replays another webhook's callout.
    loop.store.put_state(
        STATE_NAME,
        InstalledWebhook(ours.webhook_id, ours.guid, other.secret, ours.url).to_json(),
        at.clock(),
    )
    app = web.Application()
    add_webhook_route(app, loop.service, loop.store, lambda action, **kw: None)
    runner, port = await start_app(app)
    body, headers = at.fake.callout(1, sequence=1, webhook_id=other.webhook_id)
    try:
        async with aiohttp.ClientSession() as http:
            answer = await http.post(
                f"http://127.0.0.1:{port}{WEBHOOK_PATH}", data=body, headers=headers
            )
    finally:
        await runner.cleanup()

    assert answer.status == 401
    assert (
        loop.store.due_tickets(
            "autotask", at.clock() + timedelta(hours=1), quiet=timedelta(0), max_wait=timedelta(0)
        )
        == []
    )
