"""SIGKILL right after Slack got its 200, before the person was even looked up: the restarted
``ticketbot serve`` (a real child process, same database) finds the requests it had kept,
prepares them (looks the people up) and answers each once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import InboxRow
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.ops.process import serve_process, wait_for
from tests.slack.harness import SECRET, command_form, dm_event, event_body, signed_headers

PEOPLE = ("UKILL0001", "UKILL0002")
COMMANDER = "UKILL0003"


async def post(base_url: str, body: str, content_type: str) -> int:
    headers = signed_headers(body, content_type=content_type)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/slack/events", data=body, headers=headers) as response,
    ):
        return response.status


def statuses(tmp_path: Path) -> dict[str, str]:
    database = Database.connect(f"sqlite:///{tmp_path / 'ticketbot.db'}", create=False)
    try:
        with database.sessions() as session:
            return {r.event_id: r.status for r in session.scalars(select(InboxRow))}
    finally:
        database.dispose()


@pytest.mark.anyio
async def test_sigkill_right_after_the_ack_loses_nothing(tmp_path: Path) -> None:
    slack = await FakeSlackApi().start()
    for user in (*PEOPLE, COMMANDER):
        slack.add_user(user, f"{user.lower()}@example.com", f"Person {user}")
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "TICKETBOT_INBOX_LEASE_SECONDS": "2",
        "TICKETBOT_INBOX_POLL_SECONDS": "0.2",
    }
    kept = {f"EvACK{i}" for i in range(len(PEOPLE))} | {"trig.ACK9"}
    try:
        lookups = slack.hold("users.info")  # the first process never learns who wrote
        with serve_process(tmp_path, env) as first:
            for i, user in enumerate(PEOPLE):
                event = dm_event(f"ticket new Laptop {i} won't boot", user=user, channel=f"D{user}")
                body = json.dumps(event_body(event, event_id=f"EvACK{i}"))
                assert await post(first.base_url, body, "application/json") == 200
            form = command_form(
                "new Projector is dead",
                user=COMMANDER,
                response_url=slack.response_url("cmd"),
                trigger_id="trig.ACK9",
            )
            sent = await post(first.base_url, urlencode(form), "application/x-www-form-urlencoded")
            assert sent == 200
            await wait_for(lambda: len(slack.calls_to("users.info")) >= 1, 10, "a lookup")
            first.process.kill()
            assert await first.exit_code(timeout=10) != 0
        assert statuses(tmp_path) == dict.fromkeys(kept, "received")
        lookups.set()

        with serve_process(tmp_path, env) as second:
            await wait_for(
                lambda: len(slack.posted()) == len(PEOPLE) and len(slack.responses) == 1,
                30,
                "everyone answered after the restart",
            )
            await asyncio.sleep(1.0)  # a few more polls: nothing more goes out
            second.terminate()
            assert await second.exit_code(timeout=30) == 0
            logs = second.logs()
    finally:
        await slack.stop()

    assert sorted(str(c.params["channel"]) for c in slack.posted()) == sorted(
        f"D{u}" for u in PEOPLE
    )
    assert all("Created ticket" in str(c.params.get("text")) for c in slack.posted())
    [answer] = slack.responses
    assert "Created ticket" in str(answer.body.get("text"))
    assert statuses(tmp_path) == dict.fromkeys(kept, "done")
    assert "received request taken over" in logs
