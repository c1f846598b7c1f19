"""Nothing acknowledged is lost when ``ticketbot serve`` (a real child process) dies: SIGKILL
or SIGTERM while answers are slow, then a restart on the same database — every person who was
acknowledged is answered exactly once, and no ticket is filed twice."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from storage.db import Database
from storage.models import LocalTicketRow, OutboxRow
from tests.fakes.openai_server import FakeOpenAIServer, answer
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.ops.process import ServeProcess, serve_process, wait_for
from tests.slack.harness import SECRET, dm_event, event_body, signed_headers

SLOW = 30.0  # the LLM's answers take longer than any test waits: they are in flight when killed
TALKERS = 4  # people whose messages wait for the slow LLM
CREATORS = 3  # people who file a ticket with a command (no LLM)


def people(prefix: str, count: int) -> list[str]:
    return [f"U{prefix}{i:05d}" for i in range(count)]


def environment(slack: FakeSlackApi, openai: FakeOpenAIServer, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": openai.base_url,
        "TICKETBOT_LLM_TIMEOUT_SECONDS": "60",
        "TICKETBOT_LLM_MAX_RETRIES": "0",
        "TICKETBOT_SLOW_REPLY_NOTICE_SECONDS": "120",
        "TICKETBOT_INBOX_LEASE_SECONDS": "2",
        "TICKETBOT_INBOX_POLL_SECONDS": "0.2",
        "TICKETBOT_WORKERS": "12",
        **extra,
    }


async def send_all(server: ServeProcess, slack: FakeSlackApi) -> None:
    """Every person writes once; each request is acknowledged (200) at once."""
    bodies = [
        event_body(dm_event("my printer jammed again", user=u, channel=f"D{u}"))
        for u in people("TALK", TALKERS)
    ] + [
        event_body(dm_event(f"ticket new Laptop {u} won't boot", user=u, channel=f"D{u}"))
        for u in people("MAKE", CREATORS)
    ]
    await send(server, bodies)


async def send(server: ServeProcess, bodies: list[dict[str, object]]) -> None:
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            raw = json.dumps(body)
            headers = signed_headers(raw, content_type="application/json")
            async with session.post(
                f"{server.base_url}/slack/events", data=raw, headers=headers
            ) as ack:
                assert ack.status == 200


def answers_by_channel(slack: FakeSlackApi) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in slack.posted():
        channel = str(call.params.get("channel"))
        counts[channel] = counts.get(channel, 0) + 1
    return counts


def everyone() -> list[str]:
    return [f"D{u}" for u in people("TALK", TALKERS) + people("MAKE", CREATORS)]


def tickets_filed(tmp_path: Path) -> list[str]:
    database = Database.connect(f"sqlite:///{tmp_path / 'ticketbot.db'}")
    try:
        with database.sessions() as session:
            titles = list(session.scalars(select(LocalTicketRow.title)))
            assert session.scalar(select(func.count()).select_from(LocalTicketRow)) == len(titles)
    finally:
        database.dispose()
    return titles


async def started_slack() -> FakeSlackApi:
    slack = await FakeSlackApi().start()
    for u in people("TALK", TALKERS) + people("MAKE", CREATORS):
        slack.add_user(u, f"{u.lower()}@example.com", f"Person {u}")
    return slack


def slow_llm(openai: FakeOpenAIServer) -> None:
    slow = answer(intent="create_ticket", title="Printer jammed", description="printer jammed")
    openai.push(*[replace(slow, delay_seconds=SLOW)] * TALKERS)


@pytest.mark.anyio
async def test_sigkill_mid_work_then_restart_answers_everyone_once_and_files_once(
    tmp_path: Path, openai_fake: FakeOpenAIServer
) -> None:
    slack = await started_slack()
    slow_llm(openai_fake)
    env = environment(slack, openai_fake)
    try:
        with serve_process(tmp_path, env) as first:
            await send_all(first, slack)
            await wait_for(
                lambda: len(openai_fake.chat_requests()) == TALKERS, 20, "LLM calls in flight"
            )
            first.process.kill()  # SIGKILL: no clean-up at all
            assert await first.exit_code(timeout=10) != 0
        answered_before = answers_by_channel(slack)
        openai_fake.stop()  # the restarted process's LLM calls fail: the offline reader answers

        with serve_process(tmp_path, env) as second:
            await wait_for(
                lambda: set(answers_by_channel(slack)) >= set(everyone()),
                30,
                "everyone answered after the restart",
            )
            await asyncio.sleep(1.0)  # a few more polls of the inbox: nothing more goes out
            second.terminate()
            assert await second.exit_code(timeout=30) == 0
            logs = second.logs()
    finally:
        await slack.stop()

    assert all(count == 1 for count in answers_by_channel(slack).values()), (
        answered_before,
        answers_by_channel(slack),
    )
    assert sorted(tickets_filed(tmp_path)) == sorted(
        f"Laptop {u} won't boot" for u in people("MAKE", CREATORS)
    )
    # The dead process's events, taken over (as received: it answered them without preparing).
    assert "inbox: lease taken over" in logs or "inbox: received request taken over" in logs


@pytest.mark.anyio
async def test_sigterm_with_slow_work_ends_in_time_and_the_restart_answers_everyone(
    tmp_path: Path, openai_fake: FakeOpenAIServer
) -> None:
    slack = await started_slack()
    slow_llm(openai_fake)
    timeout = 3.0
    env = environment(slack, openai_fake, TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS=str(timeout))
    try:
        with serve_process(tmp_path, env) as first:
            await send_all(first, slack)
            await wait_for(
                lambda: len(openai_fake.chat_requests()) == TALKERS, 20, "LLM calls in flight"
            )
            started = time.monotonic()
            first.terminate()
            assert await first.exit_code(timeout=timeout + 10) == 0
            took = time.monotonic() - started
            first_logs = first.logs()
        openai_fake.stop()

        with serve_process(tmp_path, env) as second:
            await wait_for(
                lambda: set(answers_by_channel(slack)) >= set(everyone()),
                30,
                "everyone answered after the restart",
            )
            await asyncio.sleep(1.0)
            second.terminate()
            assert await second.exit_code(timeout=30) == 0
    finally:
        await slack.stop()

    assert took <= timeout + 1.0, first_logs
    assert "events released for another process to finish" in first_logs
    assert all(count == 1 for count in answers_by_channel(slack).values())
    assert len(tickets_filed(tmp_path)) == CREATORS


def unsent_answers(tmp_path: Path) -> int | None:
    """Answers not marked sent; ``None`` while the running process holds the file (SQLite)."""
    database = Database.connect(f"sqlite:///{tmp_path / 'ticketbot.db'}")
    try:
        with database.sessions() as session:
            query = select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            return int(session.scalar(query) or 0)
    except OperationalError:
        return None
    finally:
        database.dispose()


@pytest.mark.anyio
async def test_sigkill_after_slack_took_the_answer_then_restart_does_not_post_it_again(
    tmp_path: Path, openai_fake: FakeOpenAIServer
) -> None:
    """The window Slack's API leaves open (no idempotency key): the answer is in the channel,
    the process dies before it learns so, let alone marks it sent."""
    slack = await started_slack()
    [person] = people("MAKE", 1)
    channel = f"D{person}"
    env = environment(slack, openai_fake)
    try:
        with serve_process(tmp_path, env) as first:
            slack.after("chat.postMessage", lambda _: first.process.kill())
            ask = dm_event(f"ticket new Laptop {person} won't boot", user=person, channel=channel)
            await send(first, [event_body(ask, event_id="EvKILLED0001")])
            await wait_for(lambda: slack.calls_to("chat.postMessage"), 60, "the answer posted")
            assert await first.exit_code(timeout=20) != 0
        slack.after("chat.postMessage", None)
        [answer] = slack.calls_to("chat.postMessage")
        assert unsent_answers(tmp_path) == 1  # in Slack, yet not marked sent

        with serve_process(tmp_path, env) as second:
            await wait_for(lambda: unsent_answers(tmp_path) == 0, 60, "the answer settled")
            second.terminate()
            assert await second.exit_code(timeout=30) == 0
    finally:
        await slack.stop()

    assert answers_by_channel(slack) == {channel: 1}
    assert answer.params["metadata"] == {
        "event_type": "ticketbot_reply",
        "event_payload": {"event": "EvKILLED0001", "part": 0},
    }
    lookups = slack.calls_to("conversations.history")  # the restart looked before posting
    assert lookups and {c.params["channel"] for c in lookups} == {channel}
    assert tickets_filed(tmp_path) == [f"Laptop {person} won't boot"]
