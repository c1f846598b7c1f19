"""A Teams message is in the durable inbox before the Bot Framework gets its 200: when it
can't be written the answer is a 503 (delivered again), and a message whose process stopped
right after the 200 is prepared and answered by the inbox loop (any process with Teams)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bots.server import RUNTIME_KEY
from bots.teams.bot import TeamsBot
from storage.inbox import SqlInbox
from storage.models import InboxRow
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.conftest import MakeTeams
from tests.teams.harness import TeamsHarness, dm

pytestmark = pytest.mark.anyio


def inbox_rows(teams: TeamsHarness) -> list[tuple[str, str]]:
    with teams.app[RUNTIME_KEY].database.sessions() as session:
        return [(r.platform, r.status) for r in session.scalars(select(InboxRow))]


async def test_a_message_that_cannot_be_kept_gets_a_503_and_its_redelivery_is_answered(
    make_teams: MakeTeams, connector: FakeBotConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = await make_teams()
    real = SqlInbox.receive_all

    def database_down(*args: object, **kwargs: object) -> bool:
        raise OperationalError("INSERT INTO inbox", {}, Exception("database is locked"))

    monkeypatch.setattr(SqlInbox, "receive_all", database_down)
    message = dm(teams.service_url, "ticket new the projector flickers")
    refused = await teams.say(message)
    assert refused.status == 503
    assert teams.core_calls == [] and connector.messages() == []

    monkeypatch.setattr(SqlInbox, "receive_all", real)
    again = await teams.say(message)  # the Bot Framework delivers it again
    assert again.status in (200, 201)
    [answer] = connector.messages()
    assert "Created ticket" in json.dumps(answer.activity)
    assert inbox_rows(teams) == [("teams", "done")]


async def test_a_message_left_right_after_its_200_is_answered_by_the_inbox_loop(
    make_teams: MakeTeams, connector: FakeBotConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = await make_teams(inbox_lease_seconds=0.3, inbox_poll_seconds=0.05)

    async def process_died(*args: object, **kwargs: object) -> None:
        return None  # nothing after the acknowledgement ran

    with monkeypatch.context() as patch:
        patch.setattr(TeamsBot, "_converse", process_died)
        acknowledged = await teams.say(dm(teams.service_url, "ticket new the projector flickers"))
    assert acknowledged.status in (200, 201)
    assert inbox_rows(teams) in ([("teams", "received")], [("teams", "pending")])

    deadline = time.monotonic() + 10
    while not connector.messages():  # the lease runs out; the loop takes it over
        assert time.monotonic() < deadline, "the kept message was never answered"
        await asyncio.sleep(0.05)
    [answer] = connector.messages()
    assert "Created ticket" in json.dumps(answer.activity)
    assert teams.core_calls[0].user.email == "alice@example.com"  # looked up in the roster
    await asyncio.sleep(0.5)  # more rounds of the loop: nothing more goes out
    assert len(connector.messages()) == 1
    assert inbox_rows(teams) == [("teams", "done")]
