"""Updates in the chat: how long from an Autotask callout to the message in Slack, and what
polling costs in Autotask requests.

1. A burst of ``--callouts`` signed webhook callouts (one per tracked ticket) POSTed at once to
   ``/autotask/webhook`` on loopback; the update job (coalescing off) reads each ticket from the
   loopback Autotask and posts to the loopback Slack Web API. Printed: the callouts'
   acknowledgement times and callout → message times (p50 / p99).
2. Polling with ``--tracked`` tracked tickets, ``--changed`` of them changing per interval, on a
   fake clock: Autotask requests per round and per hour at ``--interval`` seconds.

    python -m bench.updates_bench [--callouts 200] [--tracked 1000] [--changed 5]
                                  [--interval 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import requests
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.packing import Stash
from bots.updates.job import UpdatesJob
from bots.updates.senders import SlackSender
from bots.updates.webhook import WEBHOOK_PATH, add_webhook_route
from core.backends.autotask import AutotaskClient, AutotaskTicketing
from core.backends.autotask.updates import AutotaskFeed
from core.backends.autotask.webhooks import STATE_NAME, WebhookAdmin
from core.messages import ConversationRef
from core.settings import AutotaskSettings
from core.updates.model import Snapshot
from core.updates.polling import Poller
from core.updates.service import Dispatcher, UpdateService
from storage.db import Database
from storage.updates import SqlUpdateStore
from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.loopback import start_app
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.support import FakeClock

EMAIL = "alice@example.com"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _tenant(clock: FakeClock | None = None) -> tuple[FakeAutotask, AutotaskTicketing]:
    fake = FakeAutotask(load_models(), clock=clock).start()
    fake.add_company(100)
    fake.ids["alice"] = fake.add_contact(EMAIL, 100, "Alice", "Example")
    settings = AutotaskSettings(
        _env_file=None,
        username=fake.username,
        secret=fake.secret,
        integration_code=fake.integration_code,
        zone_lookup_url=fake.zone_lookup_url,
        default_queue_id=29683354,
    )
    now = clock or (lambda: datetime.now(UTC))
    client = AutotaskClient.from_settings(settings, requests.Session(), clock=now)
    return fake, AutotaskTicketing(client, settings, clock=now)


def _track(store: SqlUpdateStore, ticket_ids: list[int], now: datetime) -> None:
    for ticket_id in ticket_ids:
        store.track(
            "autotask",
            ticket_id,
            ConversationRef("slack", "T1", f"C{ticket_id}", None),
            user_id="UALICE",
            user_email=EMAIL,
            snapshot=Snapshot(status="New", activity_at=now - timedelta(minutes=5)),
            now=now,
        )


async def burst(callouts: int, folder: Path) -> None:
    fake, ticketing = _tenant()
    slack = await FakeSlackApi().start()
    database = Database.connect(f"sqlite:///{folder / 'burst.db'}")
    store = SqlUpdateStore(database)
    tickets = [fake.add_ticket(contactID=fake.ids["alice"], companyID=100) for _ in range(callouts)]
    _track(store, tickets, datetime.now(UTC))
    installed = WebhookAdmin(ticketing.client).install("https://bot.example/hook", EMAIL)
    store.put_state(STATE_NAME, installed.to_json(), datetime.now(UTC))
    clock = lambda: datetime.now(UTC)  # noqa: E731
    service = UpdateService(store, AutotaskFeed(ticketing), clock, coalesce=timedelta(0))
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    job = UpdatesJob(service, Dispatcher(store, {"slack": SlackSender(client, Stash())}, clock))
    job.tick_seconds = 0.05
    app = web.Application()
    add_webhook_route(app, service, store, lambda *a, **k: None)
    runner, port = await start_app(app)
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    for ticket_id in tickets:
        fake.tickets[ticket_id]["status"] = 8
    bodies = [fake.callout(t, sequence=1, fields={"Status": "8"}) for t in tickets]
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    job.start()

    async def post(
        http: aiohttp.ClientSession, ticket_id: int, body: bytes, headers: dict[str, str]
    ) -> None:
        start = time.perf_counter()
        sent_at[f"C{ticket_id}"] = start
        async with http.post(url, data=body, headers=headers) as answer:
            await answer.read()
            assert answer.status == 200, answer.status
        acks.append(time.perf_counter() - start)

    arrived: dict[str, float] = {}
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(
            *(post(http, t, b, h) for t, (b, h) in zip(tickets, bodies, strict=True))
        )
        deadline = time.perf_counter() + 120
        while len(arrived) < callouts and time.perf_counter() < deadline:
            for call in slack.calls_to("chat.postMessage"):
                arrived.setdefault(str(call.params["channel"]), time.perf_counter())
            await asyncio.sleep(0.005)
    await job.stop()
    await runner.cleanup()
    await slack.stop()
    fake.stop()
    database.dispose()
    delays = [arrived[c] - sent_at[c] for c in arrived]
    print(f"burst of {callouts} callouts: {len(arrived)} messages posted")
    print(
        f"  acknowledgement  p50 {1000 * _percentile(acks, 0.5):7.1f} ms  "
        f"p99 {1000 * _percentile(acks, 0.99):7.1f} ms"
    )
    if delays:
        print(
            f"  callout→message  p50 {1000 * _percentile(delays, 0.5):7.1f} ms  "
            f"p99 {1000 * _percentile(delays, 0.99):7.1f} ms"
        )


def polling(tracked: int, changed: int, interval: float, folder: Path, rounds: int = 10) -> None:
    clock = FakeClock()
    fake, ticketing = _tenant(clock)
    database = Database.connect(f"sqlite:///{folder / 'poll.db'}")
    store = SqlUpdateStore(database)
    tickets = [fake.add_ticket(contactID=fake.ids["alice"], companyID=100) for _ in range(tracked)]
    _track(store, tickets, clock())
    feed = AutotaskFeed(ticketing)
    service = UpdateService(store, feed, clock, coalesce=timedelta(0))
    poller = Poller(store, feed, service, clock, interval=timedelta(seconds=interval))
    poller.poll()  # the first round sets the watermark (and warms the picklists)
    service.process_due()
    costs = []
    for round_number in range(rounds):
        clock.advance(seconds=interval)
        for ticket_id in tickets[round_number * changed : (round_number + 1) * changed]:
            fake.add_note(ticket_id, "Update from the technician", publish=1)
        clock.advance(seconds=1)
        before = len(fake.requests)
        poller.poll()
        clock.advance(seconds=1)
        service.process_due()
        costs.append(len(fake.requests) - before)
    fake.stop()
    database.dispose()
    per_round = statistics.mean(costs)
    print(
        f"polling {tracked} tracked tickets, {changed} changing per {interval:.0f} s interval: "
        f"{per_round:.1f} Autotask requests per round (1 query + 2 per changed ticket), "
        f"{per_round * 3600 / interval:.0f} per hour; "
        f"with nothing changing: {3600 / interval:.0f} per hour"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callouts", type=int, default=200)
    parser.add_argument("--tracked", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=5)
    parser.add_argument("--interval", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(burst(args.callouts, Path(folder)))
        polling(args.tracked, args.changed, args.interval, Path(folder))


if __name__ == "__main__":
    main()
