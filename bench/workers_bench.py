"""``ticketbot serve`` answering by itself versus ``serve`` with processing off and
``ticketbot worker`` processes answering, as real child processes on one PostgreSQL database
(a fresh schema, dropped afterwards), Slack in HTTP mode against the loopback fake Slack API,
the local desk as the backend.

``--events`` people each send "ticket new …" at once (``--senders`` requests open at a time,
signed like Slack signs them); the figures are the acknowledgement latency (the HTTP 200) and
the time until every person has their answer. Every person must be answered exactly once and
every ticket filed once. With workers, processing runs in other processes than the HTTP front
(the ratio of the two throughputs is printed as a figure: it depends on the cores there are).

    python -m bench.workers_bench [--events 300] [--workers 2] [--senders 20]
                                  [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bench.targets import Targets
from storage.db import Database
from storage.models import LocalTicketRow
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.ops.process import serve_process
from tests.ops.replicas import (
    answers_by_channel,
    channel_of,
    create_body,
    person,
    post_event,
    worker_process,
)
from tests.slack.harness import SECRET
from tests.storage.support import postgres_schema

ACK_P99_MS = 100.0


@dataclass
class Figures:
    label: str
    events: int
    seconds: float
    ack_ms: list[float]
    tickets: int
    answered_once: bool

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def ack_p99(self) -> float:
        return statistics.quantiles(self.ack_ms, n=100)[98]


async def measure(label: str, server_url: str, events: int, workers: int, senders: int) -> Figures:
    slack = await FakeSlackApi().start()
    for number in range(events):
        user = person(number)
        slack.add_user(user, f"{user.lower()}@example.com", f"Person {number}")
    everyone = {channel_of(person(n)) for n in range(events)}
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "TICKETBOT_SLOW_REPLY_NOTICE_SECONDS": "120",
        "TICKETBOT_RATE_BACKEND_PER_HOUR": "0",
        "TICKETBOT_RATE_USER_CAPACITY": "0",
        "TICKETBOT_LOG_LEVEL": "WARNING",
        "TICKETBOT_SERVE_PROCESSES": "false" if workers else "true",
    }
    acks: list[float] = []
    try:
        with (
            postgres_schema(server_url, "bench") as url,
            tempfile.TemporaryDirectory() as folder,
            contextlib.ExitStack() as processes,
        ):
            Database.connect(url).dispose()  # migrated once, before the processes start
            env["TICKETBOT_DATABASE_URL"] = url
            for number in range(workers):
                where = Path(folder) / f"worker{number}"
                processes.enter_context(worker_process(where, env))
            (Path(folder) / "serve").mkdir()
            server = processes.enter_context(serve_process(Path(folder) / "serve", env))
            gate = asyncio.Semaphore(senders)

            async def send(session: aiohttp.ClientSession, number: int) -> None:
                async with gate:
                    began = time.perf_counter()
                    status = await post_event(session, server.base_url, create_body(number))
                    acks.append((time.perf_counter() - began) * 1000)
                if status != 200:
                    raise RuntimeError(f"event {number} answered {status}")

            started = time.perf_counter()
            async with aiohttp.ClientSession() as session:
                await asyncio.gather(*(send(session, n) for n in range(events)))
            for _ in range(12000):  # bounded: ten minutes
                if set(answers_by_channel(slack)) >= everyone:
                    break
                await asyncio.sleep(0.05)
            seconds = time.perf_counter() - started
            await asyncio.sleep(1.0)  # anything sent twice shows now
            database = Database.connect(url, create=False)
            with database.sessions() as reading:
                tickets = int(reading.scalar(select(func.count()).select_from(LocalTicketRow)) or 0)
            database.dispose()
    finally:
        await slack.stop()
    counts = Counter(answers_by_channel(slack))
    once = set(counts) == everyone and all(n == 1 for n in counts.values())
    return Figures(label, events, seconds, acks, tickets, once)


async def main(events: int, workers: int, senders: int, postgres: str) -> bool:
    results = [
        await measure("serve answers", postgres, events, 0, senders),
        await measure(f"serve + {workers} workers", postgres, events, workers, senders),
    ]
    print(
        f"{'setup':<20} {'answered/s':>10} {'all in s':>9} {'ack p50 ms':>11} "
        f"{'ack p99 ms':>11} {'tickets':>8}"
    )
    for r in results:
        print(
            f"{r.label:<20} {r.rate:>10.1f} {r.seconds:>9.1f} "
            f"{statistics.median(r.ack_ms):>11.2f} {r.ack_p99:>11.2f} {r.tickets:>8}"
        )
    targets = Targets()
    for r in results:
        targets.at_most(f"{r.label} ack p99", r.ack_p99, ACK_P99_MS)
        targets.holds(f"{r.label} every ticket once", r.tickets == events, f"{r.tickets}")
        targets.holds(f"{r.label} everyone answered once", r.answered_once, str(r.answered_once))
    alone, split = results
    # A figure, not a target: on one small machine the workers share its cores with the
    # server, PostgreSQL, the fake Slack API and the senders; the split pays off with cores
    # (or hosts) of their own.
    print(f"      workers versus serve alone: {split.rate / alone.rate:.2f}x answered/s")
    return targets.verdict()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--senders", type=int, default=20, help="requests open at once")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    arguments = parser.parse_args()
    outcome = asyncio.run(
        main(arguments.events, arguments.workers, arguments.senders, arguments.postgres)
    )
    raise SystemExit(0 if outcome else 1)
