"""Socket Mode: the same listeners fed over a WebSocket (a loopback stand-in for Slack's)."""

from __future__ import annotations

import json

import pytest

from tests.fakes.slack_api import APP_TOKEN
from tests.slack.harness import DM, dm_event, event_body

pytestmark = pytest.mark.anyio


async def test_socket_mode_receives_an_event_acks_it_and_answers(make_slack) -> None:
    slack = await make_slack(app_token=APP_TOKEN)
    await slack.fake.wait_socket_connected()

    # No HTTP route in Socket Mode: the events come over the socket only.
    async with slack.session.post(f"{slack.base_url}/slack/events", data=b"{}") as response:
        assert response.status in (404, 405)

    body = event_body(dm_event("ticket help"), event_id="EvSOCKET1")
    await slack.fake.send_envelope(
        {
            "envelope_id": "env-1",
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": body,
        }
    )
    await slack.fake.wait_for(
        lambda: any(a.get("envelope_id") == "env-1" for a in slack.fake.socket_acks)
    )
    await slack.fake.wait_for(lambda: bool(slack.fake.calls_to("chat.postMessage")))
    await slack.settle()

    (connect,) = slack.fake.calls_to("apps.connections.open")
    assert connect.token == APP_TOKEN
    (post,) = slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == DM
    assert json.dumps(post.params["blocks"])  # a card, validated by the fake
    assert [e.event_id for e in slack.core_calls] == ["EvSOCKET1"]


async def test_a_malformed_payload_over_the_socket_is_refused_with_one_line(
    make_slack, caplog
) -> None:
    slack = await make_slack(app_token=APP_TOKEN)
    await slack.fake.wait_socket_connected()
    caplog.clear()
    body = event_body(dm_event("ticket help"))
    del body["event_id"]

    await slack.fake.send_envelope(
        {"envelope_id": "env-bad", "type": "events_api", "payload": body, "retry_attempt": 0}
    )
    await slack.fake.send_envelope(
        {
            "envelope_id": "env-good",
            "type": "events_api",
            "payload": event_body(dm_event("ticket help"), event_id="EvSOCKET2"),
            "retry_attempt": 0,
        }
    )
    await slack.fake.wait_for(
        lambda: any(a.get("envelope_id") == "env-good" for a in slack.fake.socket_acks)
    )
    await slack.fake.wait_for(lambda: bool(slack.fake.calls_to("chat.postMessage")))
    await slack.settle()

    assert [e.event_id for e in slack.core_calls] == ["EvSOCKET2"]
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and "event_id" in refused[0].getMessage()
    assert "Traceback" not in caplog.text
