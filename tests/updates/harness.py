"""The update loop on the local desk, wired as the composition root wires it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from core.messages import Reply, UserRef
from core.ports import AuditEntry
from core.tickets import TicketRef
from core.updates.actions import UpdateFollowUps
from core.updates.binding import ThreadBinder
from core.updates.model import DeliveryResult, TicketTouched, Tracked
from core.updates.service import Dispatcher, StoreTracker, UpdateService
from core.updates.tracking import TrackingTicketing
from storage.db import Database
from storage.desk_updates import LocalDeskFeed, LocalDeskStaff
from storage.local_desk import LocalDesk
from storage.updates import SqlTicketFacts, SqlUpdateStore
from tests.support import ALICE, Bot, FakeClock, make_bot


@dataclass
class RecordingSender:
    """A sender for one platform that records what it was given and answers ``results``
    in turn (then "sent")."""

    platform: str = "console"
    results: list[tuple[DeliveryResult, str]] = field(default_factory=list)
    sent: list[tuple[Tracked, Reply]] = field(default_factory=list)
    attempts: int = 0

    async def send(self, tracked: Tracked, reply: Reply) -> tuple[DeliveryResult, str]:
        self.attempts += 1
        if self.results:
            return self.results.pop(0)
        self.sent.append((tracked, reply))
        return "sent", ""


@dataclass
class ListAudit:
    entries: list[AuditEntry] = field(default_factory=list)

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


@dataclass
class Loop:
    bot: Bot
    clock: FakeClock
    store: SqlUpdateStore
    service: UpdateService
    staff: LocalDeskStaff
    sender: RecordingSender
    dispatcher: Dispatcher
    signals: list[TicketTouched]
    facts: SqlTicketFacts
    audit: ListAudit

    def round(self, *, after_seconds: float = 61) -> list[Reply]:
        """Let the coalescing window pass, process and deliver; the replies sent now."""
        self.clock.advance(seconds=after_seconds)
        before = len(self.sender.sent)
        self.service.process_due()
        asyncio.run(self.dispatcher.deliver_due())
        return [reply for _, reply in self.sender.sent[before:]]

    @property
    def bot_user(self) -> UserRef:
        return ALICE

    def ref(self, ticket_id: int) -> TicketRef:
        return TicketRef("id", str(ticket_id))


def build_loop(database: Database, *, staff: tuple[str, ...] = (), **options: Any) -> Loop:
    clock = FakeClock()
    store = SqlUpdateStore(database)
    desk = LocalDesk(database, clock=clock, staff_emails=staff)
    facts = SqlTicketFacts(database)
    tracker = StoreTracker(store, desk.name, clock, facts=facts)
    audit = ListAudit()
    follow_ups = UpdateFollowUps(
        mutes=store, ratings=facts, backend=desk.name, clock=clock, audit=audit
    )
    bot = make_bot(
        database,
        clock=clock,
        staff=staff,
        ticketing=TrackingTicketing(desk, tracker),
        updates=follow_ups,
        **options,
    )
    service = UpdateService(
        store, LocalDeskFeed(database), clock, coalesce=timedelta(seconds=60), facts=facts
    )
    signals: list[TicketTouched] = []

    def notify(signal: TicketTouched) -> None:
        signals.append(signal)
        service.touched(signal)

    staff_desk = LocalDeskStaff(database, clock=clock, notify=notify)
    sender = RecordingSender()
    dispatcher = Dispatcher(store, {"console": sender}, clock, bind=ThreadBinder(bot.store, clock))
    return Loop(bot, clock, store, service, staff_desk, sender, dispatcher, signals, facts, audit)
