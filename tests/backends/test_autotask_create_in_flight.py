"""A create retaken while the earlier attempt's POST may still be in flight (the process was
stopped, Autotask goes on and files it): the retake finds that ticket, waiting out the
backend's request timeout if need be, and never files a second one. The Assistant with a real
SQLite history, the Autotask backend over real HTTP to its loopback tenant; the earlier POST is
held by the tenant, and the retake's sleeps are where the test lets it land."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import requests

from core.assistant import Assistant
from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.tickets import SETTLE_SECONDS, AutotaskTicketing
from core.classifier.rules import RuleClassifier
from core.knowledge import YamlKnowledgeBase
from core.messages import Reply
from core.settings import DEFAULT_KNOWLEDGE_FILE
from core.tickets import TicketDraft
from storage.db import Database
from storage.history import SqlConversationStore
from tests.backends.conftest import ALICE, Harness, autotask_settings
from tests.fakes.autotask_server import FakeAutotask
from tests.support import FakeClock, message, only

TYPED = "ticket new printer jam"


class Stopped(BaseException):
    """The first process going away: its answer is never recorded."""


def process(
    database: Database, fake: FakeAutotask, clock: FakeClock, sleep: Callable[[float], None]
) -> tuple[Assistant, SqlConversationStore, AutotaskTicketing]:
    """One bot process on the shared database and tenant, with its own backend."""
    settings = autotask_settings(fake)
    client = AutotaskClient.from_settings(settings, requests.Session(), clock=clock, sleep=sleep)
    backend = AutotaskTicketing(client, settings, clock=clock, sleep=sleep)
    store = SqlConversationStore(database)
    assistant = Assistant(
        store=store,
        ticketing=backend,
        classifier=RuleClassifier(),
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=clock,
    )
    return assistant, store, backend


def stopped_mid_create(
    database: Database, fake: FakeAutotask, clock: FakeClock
) -> tuple[threading.Thread, threading.Event, list[BaseException]]:
    """The first process handles the typed create; its POST reaches the tenant and is held
    there. Returns its thread and the event that lets the POST go on."""
    arrived, go = fake.hold_request("POST", "Tickets")
    first, store, _ = process(database, fake, clock, lambda _: None)
    store.finish_event = never_recorded  # type: ignore[method-assign,assignment]
    ended: list[BaseException] = []

    def run() -> None:
        try:
            first.handle(message(TYPED, ALICE, event_id="Ev1"))
        except BaseException as exc:
            ended.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert arrived.wait(timeout=10), "the first POST never reached the tenant"
    return thread, go, ended


def never_recorded(*_: object, **__: object) -> None:
    raise Stopped


def test_a_retake_waits_for_the_post_in_flight_and_answers_with_its_ticket(
    database: Database, fake: FakeAutotask, clock: FakeClock
) -> None:
    first, go, ended = stopped_mid_create(database, fake, clock)
    clock.advance(seconds=1)  # the restart
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:  # while the retake waits, the earlier POST lands
            go.set()
            first.join(timeout=10)
            assert not first.is_alive()

    second, _, _ = process(database, fake, clock, sleep)
    reply: Reply = only(second.handle(message(TYPED, ALICE, event_id="Ev1"), retake=True))

    [(ticket_id, stored)] = fake.tickets.items()
    assert len(fake.calls("POST", r"Tickets")) == 1
    assert f"#{ticket_id}" in reply.text and stored["ticketNumber"] in reply.text
    assert sleeps == [SETTLE_SECONDS]  # found at the first look after the wait began
    assert [type(e) for e in ended] == [Stopped]  # the first attempt filed it, then stopped


def test_a_retake_whose_earlier_post_never_landed_files_it_after_the_timeout(
    database: Database, fake: FakeAutotask, clock: FakeClock
) -> None:
    first, store, backend = process(database, fake, clock, lambda _: None)
    store.finish_event = never_recorded  # type: ignore[method-assign,assignment]

    def stopped_before_sending(*_: object) -> None:
        raise Stopped  # the attempt was recorded; its POST never reached Autotask

    backend.create = stopped_before_sending  # type: ignore[method-assign,assignment]
    with pytest.raises(Stopped):
        first.handle(message(TYPED, ALICE, event_id="Ev1"))
    clock.advance(seconds=1)  # the restart
    sleeps: list[float] = []
    second, _, _ = process(database, fake, clock, sleeps.append)

    reply = only(second.handle(message(TYPED, ALICE, event_id="Ev1"), retake=True))

    [ticket_id] = fake.tickets
    assert f"#{ticket_id}" in reply.text
    assert len(fake.calls("POST", r"Tickets")) == 1
    timeout = autotask_settings(fake).timeout_seconds
    # Waited (in steps, looking each time) until no request sent by the first attempt could
    # still be running: its timeout and a moment to land, from when it began.
    assert sum(sleeps) >= timeout + SETTLE_SECONDS - 1
    assert max(sleeps) <= SETTLE_SECONDS
    assert len(fake.calls("POST", r"Tickets/query")) >= len(sleeps)


def test_a_create_never_attempted_before_does_not_wait(at: Harness) -> None:
    at.backend.create(TicketDraft("Printer", "jams", idempotency_key="d-1"), ALICE)
    assert at.sleeps == []
    assert len(at.fake.tickets) == 1
