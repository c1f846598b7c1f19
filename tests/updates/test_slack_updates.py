"""Updates reach the Slack thread or DM where the ticket was created, through the real server
(its update job) and the loopback Slack Web API."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.updates.mount import UPDATES_JOB_KEY
from core.messages import UserRef
from core.tickets import TicketRef
from core.updates.model import TicketTouched
from storage.desk_updates import LocalDeskStaff
from storage.updates import SqlUpdateStore
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import ALICE, CHANNEL, DM, SlackHarness, dm_event, mention_event, now_utc
from tests.slack.harness import start_harness as start_slack

pytestmark = pytest.mark.anyio
ALICE_USER = UserRef("slack", ALICE, "Alice Example", "alice@example.com")


@pytest.fixture
async def fake_slack() -> FakeSlackApi:
    fake = await FakeSlackApi().start()
    fake.add_user(ALICE, "alice@example.com", "Alice Example")
    return fake


async def _start(tmp_path: Path, fake: FakeSlackApi) -> SlackHarness:
    return await start_slack(tmp_path, fake, updates_coalesce_seconds=0, updates_poll_seconds=0)


def _staff(harness: SlackHarness) -> LocalDeskStaff:
    store = SqlUpdateStore(harness.runtime.database)

    def notify(signal: TicketTouched) -> None:
        store.record_signal(signal, now_utc())

    return LocalDeskStaff(harness.runtime.database, clock=now_utc, notify=notify)


async def test_a_technicians_note_arrives_once_in_the_thread_of_the_ticket(
    tmp_path: Path, fake_slack: FakeSlackApi
) -> None:
    harness = await _start(tmp_path, fake_slack)
    try:
        await harness.event(
            mention_event("ticket new VPN drops every hour", ts="1700009999.000100")
        )
        await harness.settle()
        [ticket] = harness.desk.list_open(ALICE_USER)
        posted_before = len(fake_slack.calls_to("chat.postMessage"))
        staff = _staff(harness)
        ref = TicketRef("id", str(ticket.id))

        staff.add_note(ref, "Swapped the VPN profile, try now", "Jordan Lee", internal=False)
        staff.add_note(ref, "User is on the old client", "Jordan Lee", internal=True)
        job = harness.app[UPDATES_JOB_KEY]
        await job.tick()
        await job.tick()

        updates = fake_slack.calls_to("chat.postMessage")[posted_before:]
        assert len(updates) == 1
        [update] = updates
        assert update.params["channel"] == CHANNEL
        assert update.params["thread_ts"] == "1700009999.000100"
        assert "Jordan Lee wrote: “Swapped the VPN profile, try now”" in update.params["text"]
        assert "old client" not in str(update.params)
    finally:
        await harness.close()
        assert fake_slack.invalid == []
        await fake_slack.stop()


async def test_a_dm_ticket_hears_of_its_assignment_in_the_dm(
    tmp_path: Path, fake_slack: FakeSlackApi
) -> None:
    harness = await _start(tmp_path, fake_slack)
    try:
        await harness.event(dm_event("ticket new Laptop will not charge"))
        await harness.settle()
        [ticket] = harness.desk.list_open(ALICE_USER)
        before = len(fake_slack.calls_to("chat.postMessage"))

        _staff(harness).assign(TicketRef("id", str(ticket.id)), "Jordan Lee", "Jordan Lee")
        await harness.app[UPDATES_JOB_KEY].tick()

        [update] = fake_slack.calls_to("chat.postMessage")[before:]
        assert update.params["channel"] == DM
        assert "Jordan Lee is on it" in update.params["text"]
    finally:
        await harness.close()
        await fake_slack.stop()
