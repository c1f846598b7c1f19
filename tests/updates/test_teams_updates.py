"""Updates reach the Teams chat where the ticket was created, through the stored conversation
reference (``continue_conversation``) and the loopback Bot Connector; a person who removed the
bot (403) is recorded once and not retried."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.updates.mount import UPDATES_JOB_KEY
from core.messages import UserRef
from core.tickets import TicketRef
from core.updates.model import TicketTouched
from storage.desk_updates import LocalDeskStaff
from storage.updates import SqlUpdateStore
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import ALICE, ALICE_DM, TeamsHarness, dm, now_utc, start_harness

pytestmark = pytest.mark.anyio
ALICE_USER = UserRef("teams", ALICE["id"], ALICE["name"], "alice@example.com")


@pytest.fixture
async def connector() -> FakeBotConnector:
    fake = await FakeBotConnector().start()
    fake.add_member(ALICE["id"], ALICE["name"], email="alice@example.com")
    return fake


def _staff(harness: TeamsHarness) -> LocalDeskStaff:
    store = SqlUpdateStore(harness.runtime.database)

    def notify(signal: TicketTouched) -> None:
        store.record_signal(signal, now_utc())

    return LocalDeskStaff(harness.runtime.database, clock=now_utc, notify=notify)


async def _ticket_in_teams(harness: TeamsHarness) -> TicketRef:
    await harness.say(dm(harness.service_url, "ticket new Outlook keeps asking for my password"))
    [ticket] = harness.desk.list_open(ALICE_USER)
    return TicketRef("id", str(ticket.id))


async def test_status_and_public_note_arrive_once_in_the_teams_chat(
    tmp_path: Path, connector: FakeBotConnector
) -> None:
    harness = await start_harness(
        tmp_path, connector, updates_coalesce_seconds=0, updates_poll_seconds=0
    )
    try:
        ref = await _ticket_in_teams(harness)
        before = len(connector.messages(ALICE_DM))
        staff = _staff(harness)

        staff.set_status(ref, "In Progress", "Jordan Lee")
        staff.add_note(ref, "Reset your token, please sign in again", "Jordan Lee", internal=False)
        job = harness.app[UPDATES_JOB_KEY]
        await job.tick()
        await job.tick()

        [update] = connector.messages(ALICE_DM)[before:]
        summary = str(update.activity.get("summary", ""))
        assert "In Progress" in summary and "Reset your token" in summary
        assert update.card["type"] == "AdaptiveCard"
        assert connector.invalid == []
    finally:
        await harness.close()
        await connector.stop()


async def test_a_person_who_removed_the_bot_is_recorded_and_not_retried(
    tmp_path: Path, connector: FakeBotConnector
) -> None:
    harness = await start_harness(
        tmp_path, connector, updates_coalesce_seconds=0, updates_poll_seconds=0
    )
    try:
        ref = await _ticket_in_teams(harness)
        before = len(connector.sent)
        connector.fail("send", status=403, times=5)

        _staff(harness).assign(ref, "Jordan Lee", "Jordan Lee")
        job = harness.app[UPDATES_JOB_KEY]
        await job.tick()
        await job.tick()

        assert len(connector.sent[before:]) <= 1
        store = SqlUpdateStore(harness.runtime.database)
        [(_, status, attempts, error)] = store.outbox()
        assert (status, attempts) == ("gone", 1)
        assert error is not None and "403" in error
    finally:
        await harness.close()
        await connector.stop()
