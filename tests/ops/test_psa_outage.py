"""A help desk that is slow or down, seen from Slack: ``ticketbot serve`` (a real child process,
the Autotask backend against the loopback fake tenant) acknowledges Slack while Autotask has
not answered, the person is told it is an outage, and ``/readyz`` turns 503."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.process import serve_process, slack_autotask_env, wait_for
from tests.slack.harness import ALICE, dm_event, event_body, signed_headers

OUTAGE = "Autotask isn't answering right now"
COMPANY = 100


@pytest.mark.anyio
@pytest.mark.parametrize("failure", ["503", "timeout"])
async def test_an_autotask_outage_is_acknowledged_worded_and_reported_by_readyz(
    tmp_path: Path, failure: str
) -> None:
    tenant = FakeAutotask(load_models()).start()
    tenant.add_company(COMPANY)
    tenant.add_contact("alice@example.com", COMPANY, "Alice", "Example")
    slack = await FakeSlackApi().start()
    slack.add_user(ALICE, "alice@example.com", "Alice Example")
    env = slack_autotask_env(
        slack,
        tenant,
        AUTOTASK_TIMEOUT_SECONDS="1",
        AUTOTASK_READ_RETRIES="0",
        TICKETBOT_SLOW_REPLY_NOTICE_SECONDS="60",
    )
    gate = None
    try:
        with serve_process(tmp_path, env) as server:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{server.base_url}/readyz") as ready:
                    assert ready.status == 200, await ready.text()
                if failure == "503":
                    tenant.fail("POST", r"Contacts/query", status=503, times=99)
                    tenant.fail("GET", r"ThresholdInformation", status=503, times=99)
                else:  # Autotask takes every request and never answers in time
                    gate = tenant.hold("contacts")
                body = json.dumps(event_body(dm_event("ticket list")))
                headers = signed_headers(body, content_type="application/json")
                async with session.post(
                    f"{server.base_url}/slack/events", data=body, headers=headers
                ) as ack:
                    # Acknowledged before Autotask answered anything (it is held or failing).
                    assert ack.status == 200
                    assert tenant.tickets == {}
                await wait_for(lambda: len(slack.posted()) >= 1, timeout=30)
                async with session.get(f"{server.base_url}/readyz") as ready:
                    status, text = ready.status, await ready.text()
            if gate is not None:
                gate.set()
            server.terminate()
            server.process.wait(timeout=30)
            logs = server.logs()
    finally:
        if gate is not None:
            gate.set()
        await slack.stop()
        tenant.stop()

    (told,) = slack.posted()
    assert told.params["text"].startswith(OUTAGE), told.params["text"]
    assert status == 503, text
    assert "backend" in json.loads(text)["reasons"]
    assert "Traceback" not in logs
