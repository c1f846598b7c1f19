"""SIGTERM while a reply is being prepared: ``ticketbot serve`` (a real child process, Slack in
HTTP mode) stops accepting connections, finishes the reply, posts it and exits 0."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.openai_server import FakeOpenAIServer, answer
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.ops.process import serve_process, wait_for
from tests.slack.harness import ALICE, SECRET, dm_event, event_body, signed_headers

LLM_DELAY_SECONDS = 4.0


@pytest.mark.anyio
async def test_sigterm_during_a_slow_reply_finishes_it_and_exits_0(
    tmp_path: Path, openai_fake: FakeOpenAIServer
) -> None:
    slack = await FakeSlackApi().start()
    slack.add_user(ALICE, "alice@example.com", "Alice Example")
    slow = answer(intent="create_ticket", title="Printer jammed", description="printer jammed")
    openai_fake.push(replace(slow, delay_seconds=LLM_DELAY_SECONDS))
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": openai_fake.base_url,
        "TICKETBOT_LLM_TIMEOUT_SECONDS": "30",
        "TICKETBOT_LLM_MAX_RETRIES": "0",
        "TICKETBOT_SLOW_REPLY_NOTICE_SECONDS": "60",
        "TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS": "30",
    }
    try:
        with serve_process(tmp_path, env) as server:
            body = json.dumps(event_body(dm_event("my printer jammed again")))
            headers = signed_headers(body, content_type="application/json")
            async with (
                aiohttp.ClientSession() as session,
                session.post(f"{server.base_url}/slack/events", data=body, headers=headers) as ack,
            ):
                assert ack.status == 200  # acknowledged at once; the reply comes later

            # The classifier is now waiting for the slow LLM: the reply is being prepared.
            await wait_for(lambda: len(openai_fake.chat_requests()) == 1, timeout=20)
            assert slack.posted() == []
            server.terminate()

            # It stops accepting connections at once, while the reply is still in the works.
            await wait_for(lambda: not server.accepts_connections(), timeout=LLM_DELAY_SECONDS)
            assert slack.posted() == []

            assert await server.exit_code(timeout=60) == 0
            logs = server.logs()
    finally:
        await slack.stop()

    [posted] = slack.posted()
    assert posted.method == "chat.postMessage"
    assert "Printer jammed" in json.dumps(posted.params)
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    messages = [line["msg"] for line in lines]
    assert messages.index("shutting down: finishing work in flight (up to 30 s)") < messages.index(
        "event handled"
    )
    assert messages[-1] == "stopped"
