"""Retries and duplicates, signatures, and a help desk that is down."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from core.intents import Classification, Intent
from core.messages import UserRef
from tests.slack.harness import (
    ALICE,
    SlackHarness,
    block_actions,
    button,
    command_form,
    dm_event,
    event_body,
    signed_headers,
    start_harness,
)
from tests.support import DownTicketing

pytestmark = pytest.mark.anyio

ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")
VPN = "the VPN drops every ten minutes"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops")}


async def test_retried_event_deliveries_act_once(make_slack) -> None:
    slack = await make_slack()
    event = dm_event("ticket new Printer on fire")

    first = await slack.event(event, event_id="EvRETRY01")
    await slack.settle()
    # Slack retries with the same event_id (say our first ack was lost); never dropped by header.
    again = [await slack.event(event, event_id="EvRETRY01", retry=n) for n in (1, 2, 3)]
    await slack.settle()

    assert first.status == 200 and all(r.status == 200 for r in again)
    # Every delivery was acknowledged; the inbox refused the retries by their event id.
    assert len(slack.core_calls) == 1
    assert len(slack.desk.list_open(ALICE_REF)) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_concurrent_duplicate_deliveries_create_one_ticket(make_slack) -> None:
    slack = await make_slack()
    body = urlencode(
        command_form(
            "new Printer on fire",
            response_url=slack.fake.response_url("cmd"),
            trigger_id="trig.same",
        )
    )

    replies = [
        await slack.post(body, content_type="application/x-www-form-urlencoded") for _ in range(3)
    ]
    await slack.settle()

    assert [r.status for r in replies] == [200, 200, 200]
    assert len(slack.desk.list_open(ALICE_REF)) == 1
    assert len(slack.fake.responses) == 1


async def test_double_clicking_create_files_one_ticket(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    await slack.event(dm_event(VPN))
    await slack.settle()
    blocks = slack.fake.calls_to("chat.postMessage")[-1].params["blocks"]
    create, block_id = button(blocks, "ticket.create.confirm")

    for _ in range(2):  # two clicks: two trigger ids
        await slack.interact(block_actions(create, block_id=block_id, message_ts="1.000100"))
    await slack.settle()

    assert len(slack.desk.list_open(ALICE_REF)) == 1


async def test_deduplication_holds_across_a_restart(tmp_path, fake_slack) -> None:
    event = dm_event("ticket new Printer on fire")
    first = await start_harness(tmp_path, fake_slack)
    try:
        await first.event(event, event_id="EvRESTART1")
        await first.settle()
    finally:
        await first.close()

    second = await start_harness(tmp_path, fake_slack)  # same database file
    try:
        await second.event(event, event_id="EvRESTART1", retry=2)
        await second.settle()
        assert len(second.desk.list_open(ALICE_REF)) == 1
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
        assert len(second.core_calls) == 0  # refused by the inbox, kept in the database
    finally:
        await second.close()


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong_secret",
        "stale",
        "future",
        "missing_signature",
        "garbled_timestamp",
        "missing_timestamp",
        "body_changed",
    ],
)
async def test_bad_or_stale_signatures_get_401_and_never_reach_the_core(
    make_slack, tamper: str
) -> None:
    slack = await make_slack()
    body = json.dumps(event_body(dm_event("ticket new Printer on fire")))
    kwargs: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if tamper == "wrong_secret":
        kwargs["secret"] = "another-secret"
    elif tamper == "stale":
        kwargs["timestamp"] = int(time.time()) - 6 * 60
    elif tamper == "future":
        kwargs["timestamp"] = int(time.time()) + 6 * 60
    elif tamper == "missing_signature":
        kwargs["sign"] = False
    elif tamper == "garbled_timestamp":
        headers = {"X-Slack-Request-Timestamp": "yesterday"}

    if tamper == "body_changed":
        status = await _signed_then_changed(slack, body)
    elif tamper == "missing_timestamp":
        status = await _without_timestamp(slack, body)
    else:
        reply = await slack.post(body, content_type="application/json", headers=headers, **kwargs)
        status = reply.status
    await slack.settle()

    assert status == 401
    assert slack.core_calls == []
    assert slack.fake.calls == []  # not even auth.test or users.info


async def _without_timestamp(slack: SlackHarness, body: str) -> int:
    headers = signed_headers(body, content_type="application/json")
    del headers["X-Slack-Request-Timestamp"]
    async with slack.session.post(
        f"{slack.base_url}/slack/events", data=body.encode(), headers=headers
    ) as response:
        return response.status


async def _signed_then_changed(slack: SlackHarness, body: str) -> int:
    headers = signed_headers(body, content_type="application/json")
    changed = body.replace("Printer on fire", "Printer on ice")
    async with slack.session.post(
        f"{slack.base_url}/slack/events", data=changed.encode(), headers=headers
    ) as response:
        return response.status


async def test_a_desk_that_is_down_gets_a_polite_answer_posted(make_slack) -> None:
    down = DownTicketing()
    slack = await make_slack(ticketing=down)

    await slack.command("status 48213")
    await slack.event(dm_event("ticket list"))
    await slack.settle()

    assert down.calls == 2
    (answer,) = slack.fake.responses
    assert "isn't answering" in answer.body["text"]
    (post,) = slack.fake.calls_to("chat.postMessage")
    assert "isn't answering" in post.params["text"]


async def test_a_slack_api_failure_is_logged_and_later_messages_still_work(
    make_slack, caplog
) -> None:
    slack = await make_slack()
    slack.fake.fail("chat.postMessage", "channel_not_found")

    await slack.event(dm_event("ticket help"))
    await slack.settle()
    await slack.event(dm_event("ticket list"))
    await slack.settle()

    assert "channel_not_found" in caplog.text
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("payload=not-json", "application/x-www-form-urlencoded"),
        ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
        ("\udcff", "application/json"),
    ],
)
@pytest.mark.parametrize("sign", [True, False])
async def test_an_unreadable_body_is_a_400_when_signed_and_a_401_when_not(
    make_slack, caplog, body: str, content_type: str, sign: bool
) -> None:
    slack = await make_slack()
    raw = body.encode("utf-8", "surrogateescape")  # "\udcff": a byte that is not UTF-8
    headers = (
        signed_headers(raw.decode("latin-1"), content_type=content_type)
        if sign
        else {"Content-Type": content_type}
    )

    async with slack.session.post(
        f"{slack.base_url}/slack/events", data=raw, headers=headers
    ) as response:
        status = response.status
    await slack.settle()

    # Slack signs UTF-8 text: a body that is not UTF-8 cannot carry a valid signature.
    assert status == (400 if sign and body != "\udcff" else 401)
    assert "Traceback" not in caplog.text
    assert slack.core_calls == []
    assert slack.fake.calls == []
