"""Slack's 200 means the request is kept: every request for the core (events, slash commands,
button clicks) is in the durable inbox before Slack is acknowledged, and when it can't be
written Slack gets a 500 (and delivers it again) instead of a 200 for a request that is lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from storage.inbox import SqlInbox
from storage.models import InboxRow
from tests.slack.harness import ALICE, SlackHarness, dm_event

pytestmark = pytest.mark.anyio


def inbox_rows(slack: SlackHarness) -> dict[str, str]:
    with slack.runtime.database.sessions() as session:
        return {row.event_id: row.status for row in session.scalars(select(InboxRow))}


async def test_the_request_is_in_the_inbox_when_slack_gets_its_200(make_slack) -> None:
    slack: SlackHarness = await make_slack()
    lookup = slack.fake.hold("users.info")  # the person can't be looked up yet

    event = await slack.event(dm_event("ticket new Printer on fire"), event_id="EvKEPT01")
    command = await slack.command("new Projector is dead", trigger_id="trig.KEPT02")

    assert (event.status, command.status) == (200, 200)
    assert inbox_rows(slack) == {"EvKEPT01": "received", "trig.KEPT02": "received"}
    assert slack.core_calls == []  # nothing for the core before the person is known
    lookup.set()
    await slack.settle()
    assert inbox_rows(slack) == {"EvKEPT01": "done", "trig.KEPT02": "done"}
    assert len(slack.core_calls) == 2


async def test_a_request_that_cannot_be_kept_gets_a_500_and_its_retry_is_answered(
    make_slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack: SlackHarness = await make_slack()
    real = SqlInbox.receive_all

    def database_down(*args: object, **kwargs: object) -> bool:
        raise OperationalError("INSERT INTO inbox", {}, Exception("database is locked"))

    monkeypatch.setattr(SqlInbox, "receive_all", database_down)
    refused = await slack.event(dm_event("ticket new Printer on fire"), event_id="EvDOWN01")
    await slack.settle()
    assert refused.status == 500  # Slack delivers it again
    assert slack.core_calls == [] and slack.fake.posted() == []

    monkeypatch.setattr(SqlInbox, "receive_all", real)
    retried = await slack.event(
        dm_event("ticket new Printer on fire"), event_id="EvDOWN01", retry=1
    )
    await slack.settle()
    assert retried.status == 200
    [posted] = slack.fake.posted()
    assert "Created ticket" in str(posted.params.get("text"))
    assert inbox_rows(slack) == {"EvDOWN01": "done"}


async def test_a_redelivered_request_is_refused_before_any_work(make_slack) -> None:
    slack: SlackHarness = await make_slack()
    first = await slack.event(dm_event("ticket new Printer on fire"), event_id="EvTWICE1")
    again = await slack.event(dm_event("ticket new Printer on fire"), event_id="EvTWICE1", retry=1)
    await slack.settle()

    assert (first.status, again.status) == (200, 200)
    assert [c.params["user"] for c in slack.fake.calls_to("users.info")] == [ALICE]
    assert len(slack.core_calls) == 1
    assert SqlInbox(slack.runtime.database).depth(datetime.now(UTC)).pending == 0
