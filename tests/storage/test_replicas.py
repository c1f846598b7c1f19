"""Three replicas on one database (each its own engine, desk and inbox loop), on SQLite and
PostgreSQL: distinct creates and retry storms spread across them file every ticket exactly once
and answer every person exactly once, also when one replica dies holding events (the others
take them over once its lease runs out)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bots.inbox import DurableCore
from core.assistant import Assistant
from core.knowledge import YamlKnowledgeBase
from core.messages import Reply, UserRef
from core.settings import DEFAULT_KNOWLEDGE_FILE
from storage.db import Database
from storage.history import SqlConversationStore
from storage.inbox import Outgoing, SqlInbox
from storage.local_desk import LocalDesk
from storage.models import LocalTicketRow
from tests.storage.support import ThreadRunner, utc_now
from tests.support import ScriptedClassifier, message

EVENTS = 300
# Longer than the scheduling delays of a loaded 2-core machine (the core pool's queue, the GIL):
# a lease that runs out while its holder is merely waiting for a thread is a retake by design.
LEASE_SECONDS = 5.0


@dataclass
class Replica:
    database: Database
    durable: DurableCore
    answered: dict[str, list[Reply]] = field(default_factory=dict)


def replica(url: str, name: str) -> Replica:
    database = Database.connect(url)
    desk = LocalDesk(database, clock=utc_now)
    assistant = Assistant(
        store=SqlConversationStore(database),
        ticketing=desk,
        classifier=ScriptedClassifier({}),
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=utc_now,
    )
    durable = DurableCore(
        SqlInbox(database),
        assistant,
        ThreadRunner(),
        utc_now,
        lease_seconds=LEASE_SECONDS,
        poll_seconds=0.05,
        owner=name,
    )
    made = Replica(database, durable)

    async def deliver(outgoing: Outgoing) -> bool:
        event = json.loads(outgoing.destination)["event"]
        made.answered.setdefault(event, []).extend(outgoing.replies)
        return True

    durable.deliverers["slack"] = deliver
    return made


def person(i: int) -> UserRef:
    return UserRef("slack", f"U{i:05d}", f"Person {i}", f"p{i}@example.com")


@pytest.mark.anyio
async def test_three_replicas_file_every_ticket_once_and_answer_everyone_once(
    database_url_for_test: str,
) -> None:
    replicas = [replica(database_url_for_test, f"replica-{i}") for i in range(3)]
    alive, dead = replicas[:2], replicas[2]
    events = [
        message(f"ticket new Thing {i} is broken", person(i), event_id=f"Ev{i:04d}")
        for i in range(EVENTS)
    ]
    where = {e.event_id: json.dumps({"event": e.event_id}) for e in events}
    # The dead replica acknowledged a share of them and died holding them (SIGKILL).
    held_by_the_dead = events[::10]
    for event in held_by_the_dead:
        dead.durable.inbox.put(
            event,
            "slack",
            where[event.event_id],
            utc_now(),
            owner=dead.durable.owner,
            lease=timedelta(seconds=LEASE_SECONDS),
        )
    for r in alive:
        r.durable.start()
    direct: dict[str, list[Reply]] = {}
    semaphore = asyncio.Semaphore(16)

    async def deliver_to(r: Replica, i: int) -> None:
        event = events[i]
        async with semaphore:
            replies = await r.durable.handle(event, "slack", where[event.event_id])
        if replies:  # posted by the adapter, which then says so
            direct.setdefault(event.event_id, []).extend(replies)
            await r.durable.delivered(event.event_id)

    try:
        # Each event reaches one replica, and Slack's retries reach the others (a storm).
        await asyncio.gather(
            *(deliver_to(alive[(i + k) % 2], i) for i in range(EVENTS) for k in range(3))
        )

        def everyone_answered() -> bool:
            answered = set(direct)
            for r in alive:
                answered |= set(r.answered)
            return answered >= {e.event_id for e in events}

        for _ in range(600):  # bounded: at most a minute
            if everyone_answered():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(LEASE_SECONDS)  # a few more rounds: nothing is answered twice
    finally:
        for r in alive:
            await r.durable.stop(asyncio.get_running_loop().time() + 5)

    answers: dict[str, int] = {}
    for source in (direct, *(r.answered for r in alive)):
        for event_id, replies in source.items():
            answers[event_id] = answers.get(event_id, 0) + len(replies)
    assert answers == {e.event_id: 1 for e in events}
    with replicas[0].database.sessions() as session:
        titles = list(session.scalars(select(LocalTicketRow.title)))
        total = session.scalar(select(func.count()).select_from(LocalTicketRow))
    assert total == EVENTS and sorted(titles) == sorted(
        f"Thing {i} is broken" for i in range(EVENTS)
    )
    for r in replicas:
        r.database.dispose()
