"""The triage channel in Teams, end to end: the real server (botbuilder, Bot Framework
activities), the loopback Bot Connector and the loopback Autotask tenant. The bot remembers the
channel of a team it is added to; a ticket an end user files is posted to the triage channel;
an ``Action.Execute`` click changes Autotask as the technician and the same activity is
updated; a reply in the card's reply chain is an internal note."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bots.updates.mount import UPDATES_JOB_KEY
from core import actions
from storage.triage import SqlTriageChannels
from tests.fakes.autotask_server import FakeAutotask
from tests.fakes.bot_connector import FakeBotConnector, Sent
from tests.teams.harness import (
    ALICE,
    ALICE_DM,
    BOB,
    BOT,
    TENANT,
    TeamsHarness,
    channel_data,
    click,
    dm,
    next_id,
    now_utc,
)
from tests.triage.harness import TEAMS_TRIAGE, start_teams, teams_facts, triage_job

pytestmark = pytest.mark.anyio
TESS = BOB  # in these tests, the member 29:bob is Tess Tech, a technician


@pytest.fixture
async def server(
    tmp_path: Path, connector: FakeBotConnector, tenant: FakeAutotask
) -> AsyncIterator[TeamsHarness]:
    harness = await start_teams(tmp_path, connector, autotask=tenant)
    await triage_job(harness).stop()
    await harness.app[UPDATES_JOB_KEY].stop()
    yield harness
    await harness.close()


def _posts(connector: FakeBotConnector) -> list[Sent]:
    return [s for s in connector.messages(TEAMS_TRIAGE) if s.kind == "send"]


def _thread(root: str) -> dict[str, Any]:
    return {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT,
        "id": f"{TEAMS_TRIAGE};messageid={root}",
    }


async def _filed(
    server: TeamsHarness, connector: FakeBotConnector, tenant: FakeAutotask
) -> tuple[int, Sent]:
    """Alice files a ticket in her personal chat; the triage job posts its card."""
    await server.say(dm(server.service_url, "ticket new Outlook keeps asking for my password"))
    await triage_job(server).tick()
    [post] = _posts(connector)
    return max(tenant.tickets), post


@pytest.mark.parametrize("kind", ["conversationUpdate", "installationUpdate"])
async def test_the_bot_added_to_a_team_remembers_how_to_reach_its_channel(
    server: TeamsHarness, kind: str
) -> None:
    added: dict[str, Any] = {
        "id": next_id(),
        "type": kind,
        "timestamp": now_utc().isoformat().replace("+00:00", "Z"),
        "serviceUrl": server.service_url,
        "channelId": "msteams",
        "from": dict(ALICE),
        "recipient": dict(BOT),
        "conversation": {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": TEAMS_TRIAGE,
        },
        "channelData": {**channel_data(), "channel": {"id": TEAMS_TRIAGE}},
    }
    if kind == "conversationUpdate":
        added["membersAdded"] = [{"id": BOT["id"]}]
    else:
        added["action"] = "add"

    answer = await server.say(added)

    assert answer.status in (200, 201)
    stored = SqlTriageChannels(server.runtime.database, now_utc).reference("teams", TEAMS_TRIAGE)
    assert stored is not None and server.service_url in stored
    assert server.fake.messages(TEAMS_TRIAGE) == []  # nothing said in the channel


async def test_a_filed_ticket_is_posted_and_a_click_updates_the_same_activity(
    server: TeamsHarness, connector: FakeBotConnector, tenant: FakeAutotask
) -> None:
    ticket_id, post = await _filed(server, connector, tenant)
    assert "Outlook keeps asking" in str(post.card)
    tenant.reset_log()

    take = click(server.service_url, post, actions.TRIAGE_TAKE, sender=TESS)
    take["conversation"] = _thread(post.id)
    answer = await server.say(take)
    await triage_job(server).tick()

    assert answer.status == 200
    [patch] = tenant.calls("PATCH", "Tickets")
    assert patch.impersonation == str(tenant.ids["tess"])
    [update] = [u for u in connector.updates() if u.conversation_id == TEAMS_TRIAGE]
    assert update.activity_id == post.id
    assert teams_facts(update.card)["Assigned to"] == "Tess Tech"
    assert len(_posts(connector)) == 1

    for action_id, typed in (
        (actions.TRIAGE_ASSIGN, {actions.INPUT_ASSIGNEE: "Jordan Lee"}),
        (actions.TRIAGE_PRIORITY, {actions.INPUT_PRIORITY: "Critical"}),
        (actions.TRIAGE_STATUS, {actions.INPUT_STATUS: "In Progress"}),
    ):
        latest = [u for u in connector.updates() if u.conversation_id == TEAMS_TRIAGE][-1]
        chosen = click(server.service_url, latest, action_id, sender=TESS, typed=typed)
        chosen["conversation"] = _thread(post.id)
        chosen["replyToId"] = post.id
        assert (await server.say(chosen)).status == 200
        await triage_job(server).tick()

    writes = tenant.calls("PATCH", "Tickets")
    assert len(writes) == 4
    assert all(w.impersonation == str(tenant.ids["tess"]) for w in writes)
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["jordan"]
    updates = [u for u in connector.updates() if u.conversation_id == TEAMS_TRIAGE]
    assert [u.activity_id for u in updates] == [post.id] * 4
    facts = teams_facts(updates[-1].card)
    assert (facts["Assigned to"], facts["Status"], facts["Priority"]) == (
        "Jordan Lee",
        "In Progress",
        "Critical",
    )
    assert len(_posts(connector)) == 1


async def test_a_reply_in_the_cards_chain_is_an_internal_note(
    server: TeamsHarness, connector: FakeBotConnector, tenant: FakeAutotask
) -> None:
    ticket_id, post = await _filed(server, connector, tenant)
    before = len(connector.messages(ALICE_DM))
    await server.say(_reply_in_chain(server, post.id, "The mailbox is over quota"))
    await server.app[UPDATES_JOB_KEY].tick()

    [note] = [n for n in tenant.notes.values() if "over quota" in n["description"]]
    assert note["ticketID"] == ticket_id and note["publish"] != 1
    assert "over quota" not in str([s.activity for s in connector.messages(ALICE_DM)[before:]])


async def test_other_channel_chatter_is_ignored(
    server: TeamsHarness, connector: FakeBotConnector
) -> None:
    calls = len(server.core_calls)
    chatter = {
        "id": next_id(),
        "type": "message",
        "timestamp": now_utc().isoformat().replace("+00:00", "Z"),
        "serviceUrl": server.service_url,
        "channelId": "msteams",
        "from": dict(TESS),
        "recipient": dict(BOT),
        "conversation": _thread("1700000000999"),
        "textFormat": "plain",
        "text": "anyone for lunch?",
        "channelData": channel_data(),
    }

    await server.say(chatter)

    assert len(server.core_calls) == calls


JORDAN = {"id": "29:jordan", "name": "Jordan Lee", "aadObjectId": "aad-jordan"}


def _in_chain(connector: FakeBotConnector, root: str, since: int = 0) -> list[Sent]:
    return [
        s
        for s in connector.sent[since:]
        if s.kind in ("send", "reply")
        and s.type == "message"
        and s.conversation_id.startswith(TEAMS_TRIAGE)
        and s.conversation_id != TEAMS_TRIAGE
    ]


def _reply_in_chain(server: TeamsHarness, root: str, text: str) -> dict[str, Any]:
    return {
        "id": next_id(),
        "type": "message",
        "timestamp": now_utc().isoformat().replace("+00:00", "Z"),
        "serviceUrl": server.service_url,
        "channelId": "msteams",
        "from": dict(TESS),
        "recipient": dict(BOT),
        "conversation": _thread(root),
        "textFormat": "plain",
        "text": text,
        "channelData": channel_data(),
    }


async def test_answers_in_the_cards_reply_chain_are_one_line_without_a_second_card(
    server: TeamsHarness, connector: FakeBotConnector, tenant: FakeAutotask
) -> None:
    _, post = await _filed(server, connector, tenant)
    since = len(connector.sent)

    take = click(server.service_url, post, actions.TRIAGE_TAKE, sender=TESS)
    take["conversation"] = _thread(post.id)
    answer = await server.say(take)
    await server.say(_reply_in_chain(server, post.id, "The mailbox is over quota"))

    assert answer.status == 200
    said = _in_chain(connector, post.id, since)
    assert any("You've taken ticket" in str(s.activity.get("text")) for s in said)
    assert any("internal note" in str(s.activity.get("text")) for s in said)
    assert all(s.cards == [] for s in said)  # one line each: the card itself is edited


async def test_a_take_on_a_stale_card_asks_before_taking_it_over(
    server: TeamsHarness, connector: FakeBotConnector, tenant: FakeAutotask
) -> None:
    connector.add_member(JORDAN["id"], JORDAN["name"], email="jordan.lee@msp.example")
    ticket_id, post = await _filed(server, connector, tenant)
    for who in (JORDAN, TESS):  # both on the card as it was drawn: Jordan first
        take = click(server.service_url, post, actions.TRIAGE_TAKE, sender=who)
        take["conversation"] = _thread(post.id)
        assert (await server.say(take)).status == 200
        if who is JORDAN:
            tenant.reset_log()
            since = len(connector.sent)

    assert tenant.calls("PATCH", "Tickets") == []
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["jordan"]
    [question] = [s for s in _in_chain(connector, post.id, since) if s.cards]
    assert "Jordan Lee already has ticket" in str(question.activity)

    over = click(server.service_url, question, actions.TRIAGE_TAKE, sender=TESS)
    assert (await server.say(over)).status == 200

    [patch] = tenant.calls("PATCH", "Tickets")
    assert patch.impersonation == str(tenant.ids["tess"])
    assert tenant.tickets[ticket_id]["assignedResourceID"] == tenant.ids["tess"]


async def test_an_end_users_forged_action_execute_changes_and_reveals_nothing(
    server: TeamsHarness, connector: FakeBotConnector, tenant: FakeAutotask
) -> None:
    ticket_id, post = await _filed(server, connector, tenant)
    tenant.tickets[ticket_id]["assignedResourceID"] = tenant.ids["jordan"]
    since = len(connector.sent)
    tenant.reset_log()

    answers = []
    for action_id, typed in (
        (actions.TRIAGE_TAKE, None),
        (actions.TRIAGE_STATUS, {actions.INPUT_STATUS: "Complete"}),
        (actions.TRIAGE_ASSIGN, {actions.INPUT_ASSIGNEE: "Tess Tech"}),
    ):
        forged = click(server.service_url, post, action_id, sender=ALICE, typed=typed)
        forged["conversation"] = _thread(post.id)
        answer = await server.say(forged)
        assert answer.status == 200
        answers.append(str(answer.body))

    assert tenant.calls("PATCH") == [] and tenant.calls("POST", r".*Notes") == []
    told = " ".join(answers) + str([s.activity for s in connector.sent[since:]])
    assert "Only the help desk" in told
    assert "Jordan" not in told and "Outlook keeps" not in told
