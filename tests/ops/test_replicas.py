"""Three ``ticketbot serve`` replicas (real child processes) on one PostgreSQL database, Slack in
HTTP mode against the loopback Slack API, the Autotask backend against the loopback tenant.

300 people each file a ticket ("ticket new …"), spread over the replicas, with Slack's retries
of the same event sent to other replicas at the same time (retry storms). Halfway, while the
tenant holds the creates, one replica is killed (SIGKILL): the events it acknowledged and had
not finished are finished by the others once its leases run out. Every ticket exists exactly
once, and every person got exactly one answer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.process import ServeProcess, slack_autotask_env, wait_for
from tests.ops.replicas import (
    InboxView,
    add_people,
    answers_by_channel,
    channel_of,
    create_body,
    person,
    post_event,
    postgres_url,
    replicas,
    titles_filed,
    worker_process,
)

PEOPLE = int(os.environ.get("TICKETBOT_TEST_REPLICA_EVENTS", "300"))
LEASE_SECONDS = 3.0
AUTOTASK_TIMEOUT = 30
SENDERS = 24  # requests Slack has open at once
STORM_EVERY = 3  # every third event is also retried at once, to another replica


class Slack:
    """Slack's side: each event to one replica and, for a storm, its retries to the others at
    the same moment; an event nobody acknowledged (its replica died) is retried on a live one,
    as Slack does."""

    def __init__(self, session: aiohttp.ClientSession, servers: list[ServeProcess]) -> None:
        self.session = session
        self.alive = list(servers)
        self.acknowledged_by: dict[int, int] = {}  # event number -> pid of the replica
        self._gate = asyncio.Semaphore(SENDERS)

    async def send(self, number: int) -> None:
        body = create_body(number)
        async with self._gate:
            for attempt in range(6):
                live = list(self.alive)
                first = live[(number + attempt) % len(live)]
                sends = [post_event(self.session, first.base_url, body, retry=attempt)]
                if number % STORM_EVERY == 0:
                    others = [s for s in live if s is not first]
                    sends += [
                        post_event(self.session, s.base_url, body, retry=attempt + 1 + i)
                        for i, s in enumerate(others)
                    ]
                statuses = await asyncio.gather(*sends)
                if statuses[0] == 200:
                    self.acknowledged_by[number] = first.process.pid
                    return
                if any(status == 200 for status in statuses):
                    return
                await asyncio.sleep(0.2)  # Slack waits before retrying; bounded by 6 attempts
        raise AssertionError(f"event {number} was never acknowledged")


@pytest.mark.anyio
async def test_three_replicas_on_postgresql_file_every_ticket_once_and_survive_a_kill(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    tenant = FakeAutotask(load_models()).start()
    slack_api = await FakeSlackApi().start()
    add_people(slack_api, tenant, PEOPLE)
    everyone = {channel_of(person(n)) for n in range(PEOPLE)}
    half = PEOPLE // 2
    try:
        with postgres_url(request) as url:
            env = slack_autotask_env(
                slack_api,
                tenant,
                TICKETBOT_DATABASE_URL=url,
                TICKETBOT_INBOX_LEASE_SECONDS=str(LEASE_SECONDS),
                TICKETBOT_INBOX_POLL_SECONDS="0.2",
                TICKETBOT_SLOW_REPLY_NOTICE_SECONDS="120",  # answers only: no "working on it"
                TICKETBOT_RATE_BACKEND_PER_HOUR="0",
                AUTOTASK_TIMEOUT_SECONDS=str(AUTOTASK_TIMEOUT),
            )
            view = InboxView(url)
            with replicas(tmp_path, env, 3) as servers:
                victim = servers[1]
                async with aiohttp.ClientSession() as session:
                    slack = Slack(session, servers)
                    await asyncio.gather(*(slack.send(n) for n in range(half)))
                    first_half = {channel_of(person(n)) for n in range(half)}
                    await wait_for(
                        lambda: set(answers_by_channel(slack_api)) >= first_half,
                        60,
                        "the first half answered",
                    )

                    # The tenant holds the creates: the second half piles up on every replica,
                    # the victim's among them, acknowledged and unfinished.
                    gate = tenant.hold("tickets")
                    second = asyncio.gather(*(slack.send(n) for n in range(half, PEOPLE)))
                    await wait_for(
                        lambda: len(view.unfinished_of(victim.process.pid)) >= 5,
                        30,
                        "the victim holds acknowledged events",
                    )
                    await asyncio.sleep(0.5)  # answers already made are posted meanwhile
                    slack.alive.remove(victim)
                    victim.process.send_signal(signal.SIGKILL)
                    assert await victim.exit_code(timeout=10) == -signal.SIGKILL
                    killed_at = time.monotonic()
                    orphans = view.unfinished_of(victim.process.pid)
                    gate.set()  # creates the dead process sent finish at the tenant
                    await second

                    await wait_for(
                        lambda: view.done(orphans) == orphans,
                        # A retaken create waits out the dead process's request (Autotask's
                        # timeout from when the attempt began) before filing it itself.
                        LEASE_SECONDS + AUTOTASK_TIMEOUT + 20,
                        "the victim's events finished by the others",
                    )
                    took_over_in = time.monotonic() - killed_at
                    await wait_for(
                        lambda: set(answers_by_channel(slack_api)) >= everyone,
                        60,
                        "everyone answered",
                    )
                    await asyncio.sleep(1.0)  # a few more polls: nothing more goes out
                    assert view.waiting() == 0
                survivors = [s for s in servers if s is not victim]
                for server in survivors:
                    server.terminate()
                for server in survivors:
                    assert await server.exit_code(timeout=30) == 0
                logs = "".join(s.logs() for s in survivors)
    finally:
        await slack_api.stop()
        tenant.stop()

    assert orphans, "the kill found the victim idle: nothing was taken over"
    print(
        f"{len(orphans)} events of the killed replica finished {took_over_in:.1f} s after the kill"
    )
    assert "lease taken over" in logs or "received request taken over" in logs
    posted = answers_by_channel(slack_api)
    assert {c: n for c, n in posted.items() if n != 1} == {}  # one answer per person
    assert set(posted) == everyone
    filed = Counter(titles_filed(tenant))
    assert {t: n for t, n in filed.items() if n != 1} == {}  # no ticket twice
    assert set(filed) == {f"Laptop {n} won't boot" for n in range(PEOPLE)}
    acknowledged = Counter(slack.acknowledged_by.values())
    assert len(acknowledged) == 3, acknowledged  # the work was spread over the replicas
    assert "Traceback" not in logs


BURST = 60


@pytest.mark.anyio
async def test_serve_leaves_the_work_to_two_workers_and_everyone_is_answered_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``TICKETBOT_SERVE_PROCESSES=false``: the ``serve`` process acknowledges, keeps and
    delivers; two ``ticketbot worker`` processes answer the burst (woken by the database)."""
    tenant = FakeAutotask(load_models()).start()
    tenant.delay = 0.05  # each create takes a moment: both workers get their share
    slack_api = await FakeSlackApi().start()
    add_people(slack_api, tenant, BURST)
    everyone = {channel_of(person(n)) for n in range(BURST)}
    try:
        with postgres_url(request) as url:
            env = slack_autotask_env(
                slack_api,
                tenant,
                TICKETBOT_DATABASE_URL=url,
                TICKETBOT_SERVE_PROCESSES="false",
                TICKETBOT_INBOX_POLL_SECONDS="30",  # prompt only if notifications work
                TICKETBOT_SLOW_REPLY_NOTICE_SECONDS="120",
                TICKETBOT_RATE_BACKEND_PER_HOUR="0",
            )
            with (
                worker_process(tmp_path / "worker0", env) as one,
                worker_process(tmp_path / "worker1", env) as two,
                replicas(tmp_path, env, 1) as [server],
            ):
                async with aiohttp.ClientSession() as session:
                    slack = Slack(session, [server])
                    await asyncio.gather(*(slack.send(n) for n in range(BURST)))
                await wait_for(
                    lambda: set(answers_by_channel(slack_api)) >= everyone,
                    30,  # well under the 30 s poll: woken by notifications
                    "everyone answered",
                )
                await asyncio.sleep(1.0)
                for process in (one.process, two.process, server.process):
                    process.send_signal(signal.SIGTERM)
                for process in (one.process, two.process, server.process):
                    assert await asyncio.to_thread(process.wait, 30) == 0
                serve_logs, worker_logs = server.logs(), [one.logs(), two.logs()]
    finally:
        await slack_api.stop()
        tenant.stop()

    posted = answers_by_channel(slack_api)
    assert {c: n for c, n in posted.items() if n != 1} == {}
    assert set(posted) == everyone
    filed = Counter(titles_filed(tenant))
    assert {t: n for t, n in filed.items() if n != 1} == {}
    assert len(filed) == BURST
    handled = [logs.count('"msg": "event handled"') for logs in worker_logs]
    assert sum(handled) == BURST and all(handled), handled  # both workers did their share
    assert '"msg": "event handled"' not in serve_logs  # serve only acknowledged and delivered
    assert "Traceback" not in serve_logs + "".join(worker_logs)
