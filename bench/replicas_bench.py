"""Throughput and acknowledgement latency of the durable inbox: one replica versus three on
PostgreSQL, and one replica on SQLite versus PostgreSQL, measured in one run.

Each replica is what a ``ticketbot serve`` / ``ticketbot worker`` process holds: its own engine,
the real Assistant and local desk, and the inbox loop (:class:`bots.inbox.DurableCore`) taking
events with leases. ``--events`` distinct "ticket new" commands arrive at ``--rate`` per
second, spread over the replicas, each going the way an adapter's request goes: kept in the
inbox by the replica it reached (the time of that write is the ack latency: the platform's 200
waits for it), then handed to that replica's core, which answers it or, when it has no room,
leaves it in the inbox for any replica. The run ends when every one is answered into the
outbox. Every ticket must exist exactly once. PostgreSQL runs in a fresh
schema, dropped afterwards. The replicas share this one interpreter (and its lock): the figure
shows what the shared database costs, not what more cores would add.

    python -m bench.replicas_bench [--events 300] [--rate 100]
                                   [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.targets import Targets
from bots.inbox import DurableCore
from core.assistant import Assistant
from core.classifier.rules import RuleClassifier
from core.knowledge import YamlKnowledgeBase
from core.messages import ConversationRef, InboundMessage, UserRef
from core.settings import DEFAULT_KNOWLEDGE_FILE
from storage.db import Database
from storage.history import SqlConversationStore
from storage.inbox import SqlInbox
from storage.local_desk import LocalDesk
from storage.models import LocalTicketRow
from tests.storage.support import ThreadRunner, postgres_schema, utc_now

ACK_P99_MS = 100.0
MIN_RATE_PER_SECOND = 20.0
THREE_VERSUS_ONE = 0.8  # two shared cores: three replicas must at least not lose much


@dataclass
class Figures:
    label: str
    events: int
    seconds: float
    ack_ms: list[float]
    tickets: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def ack_p99(self) -> float:
        return statistics.quantiles(self.ack_ms, n=100)[98]


def replica(url: str, name: str) -> tuple[Database, DurableCore]:
    database = Database.connect(url)
    assistant = Assistant(
        store=SqlConversationStore(database),
        ticketing=LocalDesk(database, clock=utc_now),
        classifier=RuleClassifier(),
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=utc_now,
    )
    durable = DurableCore(
        SqlInbox(database),
        assistant,
        ThreadRunner(),
        utc_now,
        lease_seconds=30,
        poll_seconds=0.5,
        owner=name,
        concurrency=4,
    )
    return database, durable


def event(i: int, run: str) -> InboundMessage:
    user = UserRef("slack", f"U{i:05d}", f"Person {i}", f"p{i}@example.com")
    return InboundMessage(
        event_id=f"{run}-{i}",
        conversation=ConversationRef("slack", "T1", f"D{i:05d}"),
        user=user,
        text=f"ticket new Thing {i} is broken",
        received_at=utc_now(),
    )


async def measure(label: str, url: str, replicas: int, events: int, rate: float) -> Figures:
    run = uuid.uuid4().hex[:6]
    made = [replica(url, f"{label}-{i}") for i in range(replicas)]
    for _, durable in made:
        durable.start()
    inbox = made[0][1].inbox
    acks: list[float] = []
    answering: list[asyncio.Task[object]] = []
    started = time.perf_counter()

    async def acknowledge(i: int) -> None:
        durable = made[i % replicas][1]
        request = event(i, run)
        began = time.perf_counter()
        kept = await durable.receive(request.event_id, "slack", "{}", "{}")
        acks.append((time.perf_counter() - began) * 1000)
        if kept:  # after the 200, as the adapter's background work does
            answering.append(asyncio.create_task(durable.handle(request, "slack", "{}")))

    try:
        # Requests arrive at a steady rate (as from Slack), while the replicas work.
        arrivals = []
        for i in range(events):
            arrivals.append(asyncio.create_task(acknowledge(i)))
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*arrivals)
        await asyncio.gather(*answering)
        for _ in range(6000):  # bounded: ten minutes
            if (await asyncio.to_thread(inbox.depth, utc_now())).pending == 0:
                break
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
    finally:
        for _, durable in made:
            await durable.stop(time.monotonic() + 5)
    with made[0][0].sessions() as session:
        tickets = int(session.scalar(select(func.count()).select_from(LocalTicketRow)) or 0)
    for database, _ in made:
        database.dispose()
    return Figures(label, events, seconds, acks, tickets)


async def main(events: int, rate: float, postgres: str) -> bool:
    results: list[Figures] = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite:///{Path(folder) / 'bench.db'}"
        results.append(await measure("sqlite x1", sqlite, 1, events, rate))
    for count in (1, 3):
        with postgres_schema(postgres, "bench") as url:
            results.append(await measure(f"postgresql x{count}", url, count, events, rate))
    print(f"{'setup':<16} {'events/s':>9} {'ack p50 ms':>11} {'ack p99 ms':>11} {'tickets':>8}")
    for r in results:
        print(
            f"{r.label:<16} {r.rate:>9.1f} {statistics.median(r.ack_ms):>11.2f} "
            f"{r.ack_p99:>11.2f} {r.tickets:>8}"
        )
    targets = Targets()
    for r in results:
        targets.at_most(f"{r.label} ack p99", r.ack_p99, ACK_P99_MS)
        targets.holds(f"{r.label} every ticket once", r.tickets == events, f"{r.tickets}/{events}")
        targets.holds(
            f"{r.label} throughput",
            r.rate >= MIN_RATE_PER_SECOND,
            f"{r.rate:.1f}/s (target >= {MIN_RATE_PER_SECOND:g}/s)",
        )
    one, three = results[1], results[2]
    targets.holds(
        "postgresql x3 versus x1",
        three.rate >= THREE_VERSUS_ONE * one.rate,
        f"{three.rate / one.rate:.2f}x (target >= {THREE_VERSUS_ONE:g}x on this machine)",
    )
    return targets.verdict()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    arguments = parser.parse_args()
    raise SystemExit(
        0 if asyncio.run(main(arguments.events, arguments.rate, arguments.postgres)) else 1
    )
