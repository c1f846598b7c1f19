"""Hostile and malformed requests to ``/slack/events``: each gets a 4xx and one log line, never
a 500 or a traceback, and never reaches the core. Requests go over real HTTP through the real
server and Bolt; the "signed" ones carry a valid signature, so only their shape is wrong."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from bots.slack.modals import CARD_INPUTS_VIEW
from tests.slack.harness import (
    ALICE,
    SlackHarness,
    block_actions,
    command_form,
    dm_event,
    event_body,
    message_action,
    signed_headers,
    view_submission,
)

pytestmark = pytest.mark.anyio

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
DEPTH = 100_000


def nested_json() -> str:
    return '{"type":' * DEPTH + "1" + "}" * DEPTH


def nested_list() -> str:
    return "[" * DEPTH + "]" * DEPTH


async def _post(slack: SlackHarness, body: str, content_type: str, headers: dict[str, str]) -> int:
    async with slack.session.post(
        f"{slack.base_url}/slack/events",
        data=body.encode(),
        headers={"Content-Type": content_type, **headers},
    ) as response:
        assert response.status < 500, await response.text()
        return response.status


def _assert_one_line(caplog: pytest.LogCaptureFixture) -> None:
    shown = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(shown) == 1, [r.getMessage() for r in shown]
    assert shown[0].levelno == logging.WARNING
    assert "Traceback" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (nested_json(), JSON),
        (nested_list(), JSON),
        ("payload=" + quote(nested_json()), FORM),
        ("payload=" + quote(nested_list()), FORM),
    ],
    ids=["json-object", "json-list", "form-payload-object", "form-payload-list"],
)
@pytest.mark.parametrize("sign", [True, False], ids=["signed", "unsigned"])
async def test_deeply_nested_json_is_refused_without_a_traceback(
    make_slack, caplog, body: str, content_type: str, sign: bool
) -> None:
    slack = await make_slack()
    caplog.clear()
    headers = signed_headers(body, content_type=content_type) if sign else {}

    status = await _post(slack, body, content_type, headers)
    await slack.settle()

    assert status == (400 if sign else 401)
    _assert_one_line(caplog)
    assert slack.core_calls == []
    assert slack.fake.calls == []


@pytest.mark.parametrize(
    "timestamp",
    [
        "1" * 400,
        "9" * 20,
        "²" * 10,  # str.isdigit() accepts it, int() does not
        "".join(chr(0x0660 + int(d)) for d in str(int(time.time()))),  # Arabic-Indic digits
        "-1700000000",
        " 1700000000",
        "",
    ],
    ids=[
        "400-digits",
        "20-digits",
        "superscript",
        "arabic-indic-now",
        "negative",
        "space",
        "empty",
    ],
)
async def test_a_malformed_timestamp_is_a_401_without_a_traceback(
    make_slack, caplog, timestamp: str
) -> None:
    slack = await make_slack()
    caplog.clear()
    body = json.dumps(event_body(dm_event("ticket new Printer on fire")))
    headers = signed_headers(body, content_type=JSON)
    headers["X-Slack-Request-Timestamp"] = timestamp

    status = await _post(slack, body, JSON, headers)
    await slack.settle()

    assert status == 401
    _assert_one_line(caplog)
    assert slack.core_calls == []
    assert slack.fake.calls == []


def _command_without(field: str) -> tuple[str, str]:
    form = command_form("status 48213", response_url="http://127.0.0.1:9/r")
    del form[field]
    return urlencode(form), FORM


def _interaction(payload: dict[str, Any]) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), FORM


def _event(change: dict[str, Any], *, drop: str | None = None) -> tuple[str, str]:
    body = event_body(dm_event("ticket help"))
    body.update(change)
    if drop:
        del body[drop]
    return json.dumps(body), JSON


_CLICK = {"action_id": "ticket.refresh~0", "text": {"type": "plain_text", "text": "Refresh"}}


def _click(**change: Any) -> dict[str, Any]:
    payload = block_actions(dict(_CLICK, value='{"v":{}}'), block_id="b1", message_ts="1.000100")
    payload.update(change)
    return payload


MALFORMED = {
    "command-without-trigger_id": _command_without("trigger_id"),
    "command-without-user_id": _command_without("user_id"),
    "block_actions-user-is-a-string": _interaction(_click(user=ALICE)),
    "block_actions-without-actions": _interaction(_click(actions=[])),
    "block_actions-action-is-a-string": _interaction(_click(actions=["ticket.refresh~0"])),
    "block_actions-channel-is-a-list": _interaction(_click(channel=[1])),
    "event-without-event_id": _event({}, drop="event_id"),
    "event-is-a-string": _event({"event": "message"}),
    "event-user-is-a-number": _event({"event": {**dm_event("hi"), "user": 12}}),
    "event-text-is-an-object": _event({"event": {**dm_event(""), "text": {"a": 1}}}),
    "authorizations-is-a-string": _event({"authorizations": "x"}),
    "shortcut-user-is-a-string": _interaction(
        {**message_action("x", response_url="http://127.0.0.1:9/r"), "user": ALICE}
    ),
    "shortcut-message-text-is-a-list": _interaction(
        {
            **message_action("x", response_url="http://127.0.0.1:9/r"),
            "message": {"type": "message", "text": ["x"], "ts": "1.2"},
        }
    ),
    "view_submission-view-without-type": _interaction(
        view_submission({"id": "V1", "callback_id": CARD_INPUTS_VIEW, "private_metadata": ""}, {})
    ),
    "view_submission-without-view": _interaction(
        {"type": "view_submission", "user": {"id": ALICE}, "team": {"id": "T0000001"}}
    ),
    "type-is-a-number": _interaction({"type": 7, "user": {"id": ALICE}}),
}


@pytest.mark.parametrize("name", list(MALFORMED))
async def test_a_signed_but_malformed_payload_is_a_400(make_slack, caplog, name: str) -> None:
    slack = await make_slack()
    caplog.clear()
    body, content_type = MALFORMED[name]

    reply = await slack.post(body, content_type=content_type)
    await slack.settle()

    assert reply.status == 400, reply.text
    _assert_one_line(caplog)
    assert slack.core_calls == []
    assert slack.fake.posted() == [] and slack.fake.responses == []


async def test_a_well_formed_request_still_works_after_the_checks(make_slack) -> None:
    """The guard of the tests above: the same payloads, unbroken, are answered."""
    slack = await make_slack()

    replies = [
        await slack.command("help"),
        await slack.event(dm_event("ticket help")),
        await slack.interact(message_action("hello", response_url=slack.fake.response_url())),
    ]
    await slack.settle()

    assert [r.status for r in replies] == [200, 200, 200]
    assert len(slack.core_calls) == 3


async def test_an_oversized_body_is_a_413_with_one_line(make_slack, caplog) -> None:
    slack = await make_slack()
    caplog.clear()
    body = "{" + " " * 3_000_000 + "}"

    status = await _post(slack, body, JSON, signed_headers(body, content_type=JSON))
    await slack.settle()

    assert status == 413
    _assert_one_line(caplog)
    assert slack.core_calls == []


@pytest.mark.parametrize(
    "value",
    [
        '{"values": {}, "inputs": "not a list"}',
        '{"values": {}, "inputs": [["title", "Title"]]}',
        '{"values": {}, "inputs": 5}',
    ],
)
async def test_a_button_value_with_broken_parts_gets_a_polite_answer(
    make_slack, caplog, value: str
) -> None:
    """Signed, well-shaped, but the button's value is not one we wrote: the person is told,
    with one log line and no traceback."""
    slack = await make_slack()
    caplog.clear()
    click = dict(_CLICK, value=value)

    reply = await slack.interact(block_actions(click, block_id="b1", message_ts="1.000100"))
    await slack.settle()

    assert reply.status == 200
    _assert_one_line(caplog)
    assert slack.core_calls == []
    (told,) = slack.fake.posted()
    assert "no longer available" in told.params["text"]


@pytest.mark.parametrize(
    "metadata",
    [
        '{"values": {}, "destination": {"user": "UALICE01"}}',
        '{"values": {}, "destination": {"team": "T1", "user": "U1"}, "required": 5}',
        '{"values": {}, "destination": {"team": "T1", "user": "U1"}, "missing": [1, {}]}',
    ],
)
async def test_modal_metadata_with_broken_parts_is_refused_with_one_line(
    make_slack, caplog, metadata: str
) -> None:
    slack = await make_slack()
    caplog.clear()
    view = {"id": "V1", "type": "modal", "callback_id": CARD_INPUTS_VIEW}
    view["private_metadata"] = metadata

    reply = await slack.interact(view_submission(view, {}))
    await slack.settle()

    assert reply.status == 200
    _assert_one_line(caplog)
    assert slack.core_calls == []
