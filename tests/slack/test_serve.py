"""``ticketbot serve`` with Slack settings in the environment, as an admin runs it: a real
subprocess, composition from the environment, signed requests over HTTP, answers posted to the
loopback Slack Web API."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import BOT_TOKEN
from tests.slack.harness import DM, SECRET, dm_event, event_body, signed_headers

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ("TICKETBOT_", "AUTOTASK_", "WAYSTONE_", "OPENAI_", "AZURE_OPENAI_", "SLACK_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_ticketbot_serve_answers_slack_in_http_mode(tmp_path: Path, fake_slack) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "TICKETBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake_slack.api_url,
        }
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bots", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await _wait_healthy(session, base, server)
            body = json.dumps(event_body(dm_event("ticket help"), event_id="EvSERVE1"))
            headers = signed_headers(body, content_type="application/json")
            async with session.post(f"{base}/slack/events", data=body, headers=headers) as r:
                assert r.status == 200
            bad = signed_headers(body, content_type="application/json", secret="wrong")
            async with session.post(f"{base}/slack/events", data=body, headers=bad) as r:
                assert r.status == 401
        await fake_slack.wait_for(lambda: bool(fake_slack.calls_to("chat.postMessage")), 20)
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)

    (post,) = fake_slack.calls_to("chat.postMessage")
    assert post.params["channel"] == DM
    assert "ticket status" in post.params["text"]
    assert server.returncode == 0, err
    assert BOT_TOKEN not in err and SECRET not in err  # secrets never logged
    assert "will be unused" not in err and "will be ignored" not in err  # Bolt built as it expects


async def _wait_healthy(
    session: aiohttp.ClientSession, base: str, server: subprocess.Popen[str]
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            async with session.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("server did not start")
