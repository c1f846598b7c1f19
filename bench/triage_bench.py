"""The triage channel: what ``filed`` / ``changed`` cost the person's request, and how fast the
triage job posts and edits cards (one or more runners on one database).

1. ``--tickets`` tickets filed on the local desk (SQLite file): ``board.filed`` and
   ``board.changed`` latency (p50 / p99), the part of a request the triage channel adds.
2. ``--runners`` triage jobs on that database post every card to the loopback Slack Web API, then
   edit every card after a change: seconds per round, cards per second, and the number of posts
   (must equal the number of tickets: nothing posted twice).

    python -m bench.triage_bench [--tickets 300] [--runners 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.packing import Stash
from bots.slack.triage import SlackCardPublisher
from bots.triage.job import TriageJob
from core.messages import UserRef
from core.tickets import TicketDraft, TicketRef
from core.triage import FeedTriageSource, TriageTarget
from storage.db import Database
from storage.desk_updates import LocalDeskFeed, LocalDeskStaff
from storage.local_desk import STATUSES, LocalDesk
from storage.triage import SqlTriageBoard
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi

ALICE = UserRef("slack", "UALICE01", "Alice Example", "alice@example.com")
CHANNEL = "CTRIAGE01"


def _now() -> datetime:
    return datetime.now(UTC)


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _rounds(jobs: list[TriageJob]) -> tuple[float, int]:
    """Ticks every job at once until a round does nothing; (seconds, cards handled)."""
    start, done = time.perf_counter(), 0
    while True:
        handled = sum(await asyncio.gather(*(job.tick() for job in jobs)))
        if handled == 0:
            return time.perf_counter() - start, done
        done += handled


async def run(tickets: int, runners: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Database.connect(f"sqlite:///{Path(folder) / 'bench.db'}")
        desk = LocalDesk(database, clock=_now)
        board = SqlTriageBoard(database, "local", (TriageTarget("slack", CHANNEL),), _now)
        filed, changed = [], []
        ids = []
        for n in range(tickets):
            ticket = desk.create(TicketDraft(f"Problem number {n}", "It broke."), ALICE)
            ids.append(ticket.id)
            start = time.perf_counter()
            board.filed(ticket, ALICE)
            filed.append(time.perf_counter() - start)
        slack = await FakeSlackApi().start()
        source = FeedTriageSource(
            LocalDeskFeed(database),
            technicians=lambda: ("jordan@msp.example",),
            statuses=lambda: STATUSES,
        )
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        jobs = [
            TriageJob(board, source, {"slack": SlackCardPublisher(client, Stash())}, _now)
            for _ in range(runners)
        ]
        post_seconds, posted = await _rounds(jobs)
        staff = LocalDeskStaff(database, clock=_now, notify=lambda _: None)
        for ticket_id in ids:
            staff.assign(TicketRef("id", str(ticket_id)), "Jordan Lee", "Jordan Lee")
            start = time.perf_counter()
            board.changed(ticket_id)
            changed.append(time.perf_counter() - start)
        edit_seconds, edited = await _rounds(jobs)
        posts = len(slack.calls_to("chat.postMessage"))
        edits = len(slack.calls_to("chat.update"))
        await slack.stop()
        database.dispose()
    print(f"triage bench: {tickets} tickets, {runners} job runner(s), SQLite, loopback Slack")
    print(
        f"  board.filed   p50 {_ms(filed, 0.5):.2f} ms  p99 {_ms(filed, 0.99):.2f} ms  "
        f"mean {1000 * statistics.mean(filed):.2f} ms"
    )
    print(
        f"  board.changed p50 {_ms(changed, 0.5):.2f} ms  p99 {_ms(changed, 0.99):.2f} ms  "
        f"mean {1000 * statistics.mean(changed):.2f} ms"
    )
    print(
        f"  posting: {posted} cards in {post_seconds:.2f} s "
        f"({posted / post_seconds:.0f} cards/s); chat.postMessage calls: {posts}"
    )
    print(
        f"  editing: {edited} cards in {edit_seconds:.2f} s "
        f"({edited / edit_seconds:.0f} cards/s); chat.update calls: {edits}"
    )
    if posts != tickets or edits != tickets:
        raise SystemExit("FAILED: a card was posted or edited more than once, or not at all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--runners", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(run(args.tickets, args.runners))


if __name__ == "__main__":
    main()
