"""One ``ticketbot serve`` (a real child process, SQLite, the Autotask backend on the loopback
tenant) while Autotask takes 2 s for every create: 24 people file a ticket, then the process
gets SIGTERM (its shutdown ends within ``TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS`` plus a second) or
SIGKILL, and is started again on the same database. Every person who was acknowledged gets
exactly one answer, and no ticket is filed twice."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.process import ServeProcess, serve_process, slack_autotask_env, wait_for
from tests.ops.replicas import (
    add_people,
    answers_by_channel,
    channel_of,
    create_body,
    person,
    post_event,
    titles_filed,
)

PEOPLE = 24
CREATE_SECONDS = 2.0
SHUTDOWN_SECONDS = 3.0


async def send_everyone(server: ServeProcess) -> None:
    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(
            *(post_event(session, server.base_url, create_body(n)) for n in range(PEOPLE))
        )
    assert set(statuses) == {200}


@pytest.mark.anyio
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
async def test_slow_creates_survive_a_stop_and_a_restart(tmp_path: Path, stop: str) -> None:
    tenant = FakeAutotask(load_models()).start()
    tenant.delays["POST tickets"] = CREATE_SECONDS
    slack = await FakeSlackApi().start()
    add_people(slack, tenant, PEOPLE)
    env = slack_autotask_env(
        slack,
        tenant,
        AUTOTASK_TIMEOUT_SECONDS="30",
        TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS=str(SHUTDOWN_SECONDS),
        TICKETBOT_INBOX_LEASE_SECONDS="3",
        TICKETBOT_INBOX_POLL_SECONDS="0.2",
        TICKETBOT_SLOW_REPLY_NOTICE_SECONDS="120",
        TICKETBOT_RATE_BACKEND_PER_HOUR="0",
    )
    everyone = {channel_of(person(n)) for n in range(PEOPLE)}
    try:
        with serve_process(tmp_path, env) as first:
            await send_everyone(first)
            await wait_for(lambda: tenant.tickets, 30, "the first tickets created")
            started = time.monotonic()
            first.process.send_signal(getattr(signal, stop))
            code = await first.exit_code(timeout=SHUTDOWN_SECONDS + 10)
            took = time.monotonic() - started
            first_logs = first.logs()
        answered_before = answers_by_channel(slack)

        with serve_process(tmp_path, env) as second:
            await wait_for(
                lambda: set(answers_by_channel(slack)) >= everyone,
                60,
                "everyone answered after the restart",
            )
            await asyncio.sleep(1.0)  # a few more polls: nothing more goes out
            second.terminate()
            assert await second.exit_code(timeout=30) == 0
            logs = second.logs()
    finally:
        await slack.stop()
        tenant.stop()

    if stop == "SIGTERM":
        assert code == 0, first_logs
        assert took <= SHUTDOWN_SECONDS + 1.0, (took, first_logs)
        assert "events released for another process to finish" in first_logs
    else:
        assert code == -signal.SIGKILL
        assert "taken over" in logs
    assert len(answered_before) < PEOPLE  # the stop came with work in flight
    posted = answers_by_channel(slack)
    assert {c: n for c, n in posted.items() if n != 1} == {}, answered_before
    filed = Counter(titles_filed(tenant))
    assert {t: n for t, n in filed.items() if n != 1} == {}
    assert set(filed) == {f"Laptop {n} won't boot" for n in range(PEOPLE)}
    assert "Traceback" not in logs
