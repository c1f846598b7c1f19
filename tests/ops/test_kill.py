"""``kill -9`` of ``ticketbot serve`` (a real child process, Slack in HTTP mode, the Autotask
backend against the loopback fake tenant) while a ticket create is in flight, then a restart on
the same database: it opens, nothing is corrupt, and no ticket is filed twice."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.process import serve_process, slack_autotask_env, wait_for
from tests.slack.harness import ALICE, dm_event, event_body, signed_headers

COMPANY = 100


async def _deliver(base_url: str, body: str, *, retry: int | None = None) -> int:
    headers = signed_headers(body, content_type="application/json")
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/slack/events", data=body, headers=headers) as response,
    ):
        return response.status


def _creates(tenant: FakeAutotask) -> int:
    return len(tenant.calls("POST", "Tickets"))


@pytest.mark.anyio
async def test_kill_9_during_a_create_then_restart_files_no_second_ticket(tmp_path: Path) -> None:
    tenant = FakeAutotask(load_models()).start()
    tenant.add_company(COMPANY)
    tenant.add_contact("alice@example.com", COMPANY, "Alice", "Example")
    slack = await FakeSlackApi().start()
    slack.add_user(ALICE, "alice@example.com", "Alice Example")
    env = slack_autotask_env(slack, tenant, AUTOTASK_TIMEOUT_SECONDS="30")
    body = json.dumps(event_body(dm_event("ticket new Printer on fire"), event_id="EvKILL0001"))
    try:
        gate = tenant.hold("tickets")  # the create reaches the tenant and waits there
        with serve_process(tmp_path, env) as server:
            assert await _deliver(server.base_url, body) == 200
            await wait_for(lambda: _creates(tenant) == 1, timeout=30)
            server.process.send_signal(signal.SIGKILL)
            assert server.process.wait(timeout=10) == -signal.SIGKILL
        gate.set()  # the tenant finishes the create the dead process sent
        await wait_for(lambda: len(tenant.tickets) == 1, timeout=10)

        database = tmp_path / "ticketbot.db"
        with sqlite3.connect(database) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        with serve_process(tmp_path, env) as server:
            # Slack delivers again only when it got no 200; even then, one ticket.
            assert await _deliver(server.base_url, body, retry=1) == 200
            again = json.dumps(event_body(dm_event("ticket list"), event_id="EvKILL0002"))
            assert await _deliver(server.base_url, again) == 200
            await wait_for(lambda: len(slack.posted()) >= 1, timeout=30)
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{server.base_url}/readyz") as ready,
            ):
                assert ready.status == 200, await ready.text()
            server.terminate()
            assert server.process.wait(timeout=30) == 0
            logs = server.logs()

        assert len(tenant.tickets) == 1, tenant.tickets
        assert _creates(tenant) == 1
        assert "Traceback" not in logs
    finally:
        await slack.stop()
        tenant.stop()
