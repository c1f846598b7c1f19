"""Signed requests that used to fail inside Bolt or a listener with a 500 and a traceback, and
Bolt's own multi-line warnings: each now gets a 4xx (or a polite answer) and one log line.
Real HTTP through the real server and Bolt; the signature is valid, only the content is odd."""

from __future__ import annotations

import gzip
import json
import logging
import socket
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.fakes.slack_api import TEAM_ID
from tests.slack.harness import (
    ALICE,
    SlackHarness,
    block_actions,
    dm_event,
    event_body,
    signed_headers,
)

pytestmark = pytest.mark.anyio

FORM = "application/x-www-form-urlencoded"


def _one_line(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    shown = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(shown) == 1, [r.getMessage() for r in shown]
    (line,) = shown
    assert "\n" not in line.getMessage(), line.getMessage()
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.INFO)
    return line


def _interaction(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


_CLICK = {"action_id": "ticket.refresh~0", "text": {"type": "plain_text", "text": "Refresh"}}


@pytest.mark.parametrize(
    "value",
    [
        "[" * 50_000 + "]" * 50_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        '{"values": {}, "parked": 5}',
    ],
    ids=["nested-list", "nested-object", "parked-is-a-number"],
)
async def test_a_forged_button_value_gets_the_expired_answer(
    make_slack, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    slack: SlackHarness = await make_slack()
    caplog.clear()

    reply = await slack.interact(
        block_actions(dict(_CLICK, value=value), block_id="b1", message_ts="1.000100")
    )
    await slack.settle()

    assert reply.status == 200, reply.text
    assert "button value unreadable" in _one_line(caplog).getMessage()
    assert slack.core_calls == []
    (told,) = slack.fake.posted()
    assert "no longer available" in told.params["text"]


_BASE = {"user": {"id": ALICE}, "team": {"id": TEAM_ID}, "token": "t", "trigger_id": "trig.1"}
UNHANDLED = {
    "workflow_step_edit-without-step": {**_BASE, "type": "workflow_step_edit", "callback_id": "x"},
    "interactive_message-without-actions": {
        **_BASE,
        "type": "interactive_message",
        "callback_id": "x",
    },
    "dialog_submission": {**_BASE, "type": "dialog_submission", "callback_id": "x"},
    "block_suggestion": {**_BASE, "type": "block_suggestion", "action_id": "x", "value": "a"},
}


@pytest.mark.parametrize("name", list(UNHANDLED))
async def test_a_payload_type_the_app_does_not_handle_is_a_404_with_one_line(
    make_slack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    slack: SlackHarness = await make_slack()
    caplog.clear()

    reply = await slack.post(_interaction(UNHANDLED[name]), content_type=FORM)
    await slack.settle()

    assert reply.status == 404, reply.text
    assert "not handled" in _one_line(caplog).getMessage()
    assert slack.core_calls == [] and slack.fake.posted() == []


async def test_an_action_or_event_nobody_listens_to_is_a_404_with_one_line(
    make_slack, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt's own warning for these spans a dozen lines (with a code suggestion)."""
    slack: SlackHarness = await make_slack()
    click = block_actions(dict(_CLICK, action_id="zzz"), block_id="b1", message_ts="1.000100")
    event = event_body({"type": "app_uninstalled"})
    for send in (
        slack.interact(click),
        slack.post(json.dumps(event), content_type="application/json"),
    ):
        caplog.clear()
        reply = await send
        assert reply.status == 404, reply.text
        assert "not handled" in _one_line(caplog).getMessage()
    await slack.settle()
    assert slack.core_calls == []


async def test_a_body_that_cannot_be_decoded_is_a_400_with_one_line(
    make_slack, caplog: pytest.LogCaptureFixture
) -> None:
    slack: SlackHarness = await make_slack()
    body = json.dumps(event_body(dm_event("ticket help")))
    caplog.clear()

    not_gzip = {"Content-Encoding": "gzip"}
    reply = await slack.post(body, content_type="application/json", headers=not_gzip)
    await slack.settle()

    assert reply.status == 400, reply.text
    line = [r for r in caplog.records if r.name == "bots.slack.http"]
    assert len(line) == 1 and "unreadable body" in line[0].getMessage()
    assert slack.core_calls == []
    # The guard: a body that is gzip is read (aiohttp closed the connection above: a new one).
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{slack.base_url}/slack/events",
            data=gzip.compress(body.encode()),
            headers={**signed_headers(body, content_type="application/json"), **not_gzip},
        ) as response,
    ):
        assert response.status == 200
    await slack.settle()
    assert len(slack.core_calls) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_slack_api_that_cannot_be_reached_is_a_503_with_one_line(
    make_slack, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt calls auth.test on the first request; when Slack cannot be reached that used to be
    a 500 with two chained tracebacks. 503 lets Slack deliver the event again."""
    slack: SlackHarness = await make_slack()
    slack.adapter.app.client.base_url = f"http://127.0.0.1:{_closed_port()}/api/"
    caplog.clear()

    reply = await slack.event(dm_event("ticket help"))
    await slack.settle()

    assert reply.status == 503, reply.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Slack request failed" in errors[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.INFO)
    assert slack.core_calls == []
