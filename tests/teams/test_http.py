"""Teams over real HTTP: activities POSTed to /api/messages on the server (local mode unless a
test sets an app id), replies recorded by the loopback Bot Connector, the real Assistant with
the local desk on SQLite behind it."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import jwt
import pytest
from aiohttp import web
from sqlalchemy import select

from bots.server import RUNTIME_KEY
from bots.teams.bot import WELCOME
from bots.teams.cards import CARD_CONTENT_TYPE
from bots.teams.http import is_loopback
from bots.teams.invoke import MESSAGE_CONTENT_TYPE
from bots.teams.translate import UNREADABLE_CARD
from core import actions
from core.cards import ticket_card
from core.errors import BackendUnavailable
from core.intents import Classification, Intent
from core.messages import InboundMessage, Reply
from core.settings import TeamsSettings
from core.tickets import STATUS_COMPLETE, Priority, TicketRef
from storage.inbox import Outgoing
from storage.models import ConversationRow, InboxRow, OutboxRow
from tests.fakes.bot_connector import FakeBotConnector, Sent
from tests.fakes.loopback import start_app
from tests.support import DownTicketing
from tests.teams.conftest import MakeTeams
from tests.teams.harness import (
    ALICE,
    ALICE_DM,
    BOB,
    BOT,
    CHANNEL,
    LOCAL,
    TENANT,
    TeamsHarness,
    check_card,
    click,
    dm,
    members_added,
    mention,
)
from tests.teams.proactive import send_to_conversation

pytestmark = pytest.mark.anyio

VPN = "the VPN drops every ten minutes"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops every ten minutes")}
SUBMIT = LOCAL.model_copy(update={"teams_card_actions": "submit"})


def texts(card: dict[str, Any]) -> list[str]:
    return [str(b.get("text")) for b in card.get("body", []) if b.get("type") == "TextBlock"]


def title_of(sent: Sent) -> str:
    return texts(sent.card)[0]


async def open_ticket(teams: TeamsHarness, summary: str = "the printer is jammed") -> Sent:
    await teams.say(dm(teams.service_url, f"ticket new {summary}"))
    return teams.fake.messages()[-1]


# -- conversations ------------------------------------------------------------------------------


async def test_a_personal_message_is_answered_in_the_chat_after_a_typing_indicator(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT)
    activity = dm(teams.service_url, VPN)

    answer = await teams.say(activity)

    assert answer.status in (200, 201)
    typing, draft = connector.sent
    assert (typing.kind, typing.type) == ("reply", "typing")
    assert (draft.kind, draft.type) == ("reply", "message")
    assert draft.conversation_id == ALICE_DM
    assert draft.activity_id == activity["id"]
    assert draft.authorization is None  # local mode: no token
    assert title_of(draft) == "New ticket"
    assert "VPN drops every ten minutes" in draft.activity["summary"]
    assert connector.member_lookups == [(ALICE_DM, ALICE["id"])]
    (event,) = teams.core_calls
    assert isinstance(event, InboundMessage)
    assert event.text == VPN
    assert (event.conversation.tenant_id, event.conversation.channel_id) == (TENANT, ALICE_DM)
    assert event.conversation.thread_id is None
    assert event.user.email == "alice@example.com"
    assert event.user.display_name == ALICE["name"]


async def test_a_channel_mention_is_answered_in_its_reply_chain_and_the_chain_continues(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT)
    post = mention(teams.service_url, VPN)
    thread = f"{CHANNEL};messageid={post['id']}"

    await teams.say(post)
    await teams.say(mention(teams.service_url, "yes", root=post["id"]))

    draft, created = connector.messages()
    assert draft.conversation_id == thread
    assert created.conversation_id == thread
    assert title_of(created).endswith("VPN drops every ten minutes")
    first, second = teams.core_calls
    assert isinstance(second, InboundMessage)
    assert second.text == "yes"  # the mention is stripped
    assert first.conversation.thread_id == second.conversation.thread_id == post["id"]
    assert first.conversation.channel_id == CHANNEL
    (ticket,) = teams.desk.list_open(second.user)
    assert ticket.title == "VPN drops every ten minutes"


async def test_a_command_from_another_person_uses_their_upn(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()

    await teams.say(dm(teams.service_url, "ticket list", sender=BOB, conversation="a:1bob"))

    (answer,) = connector.messages()
    assert answer.text.startswith("You have no open tickets")
    assert teams.core_calls[0].user.email == "bob@example.com"


# -- card actions -------------------------------------------------------------------------------


async def test_submit_actions_create_refresh_note_and_close(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT, teams=SUBMIT)
    url = teams.service_url
    await teams.say(dm(url, VPN))
    (draft,) = connector.messages()

    # Create, with the title and priority edited on the card: the draft turns into the ticket.
    answer = await teams.say(
        click(url, draft, actions.CREATE_CONFIRM, typed={"title": "VPN down", "priority": "High"})
    )
    assert answer.status in (200, 201)
    (update,) = connector.updates()
    assert update.activity_id == draft.id
    assert title_of(update).endswith("VPN down")
    user = teams.core_calls[-1].user
    (ticket,) = teams.desk.list_open(user)
    assert (ticket.title, ticket.priority) == ("VPN down", Priority.HIGH.value)

    # Refresh updates the card in place.
    teams.desk.add_note(TicketRef("id", str(ticket.id)), "Router replaced", user)
    await teams.say(click(url, update, actions.REFRESH))
    refreshed = connector.updates()[-1]
    assert refreshed.activity_id == draft.id
    assert "Router replaced" in texts(refreshed.card)

    # Add note: the text typed into the card lands on the ticket; the answer is a new message.
    await teams.say(click(url, refreshed, actions.ADD_NOTE, typed={"note": "Still dropping"}))
    noted = connector.messages()[-1]
    assert noted.activity["summary"].startswith("Added your note")
    assert "Still dropping" in texts(noted.card)

    # Close asks first; confirming closes it and replaces the question.
    await teams.say(click(url, noted, actions.CLOSE_REQUEST))
    question = connector.messages()[-1]
    assert title_of(question) == f"Close {ticket.number}?"
    await teams.say(click(url, question, actions.CLOSE_CONFIRM))
    closed = connector.updates()[-1]
    assert closed.activity_id == question.id
    assert teams.desk.get(TicketRef("id", str(ticket.id)), user).status == STATUS_COMPLETE


async def test_execute_actions_are_answered_in_the_invoke_response(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT)
    url = teams.service_url
    await teams.say(dm(url, VPN))
    (draft,) = connector.messages()

    created = await teams.post(
        click(url, draft, actions.CREATE_CONFIRM, typed={"title": "VPN down"})
    )
    await teams.settle()
    assert created.status == 200
    assert created.body["statusCode"] == 200
    assert created.body["type"] == CARD_CONTENT_TYPE
    check_card(created.body["value"])
    assert texts(created.body["value"])[0].endswith("VPN down")
    # Teams replaces the clicker's card from the invoke response, everyone else's by the PUT.
    (put,) = connector.updates()
    assert (put.conversation_id, put.activity_id) == (ALICE_DM, draft.id)
    assert put.card == created.body["value"]

    user = teams.core_calls[-1].user
    (ticket,) = teams.desk.list_open(user)
    as_posted = Sent("update", ALICE_DM, draft.id, {**draft.activity}, None, id=draft.id)
    as_posted.activity["attachments"] = [
        {"contentType": CARD_CONTENT_TYPE, "content": created.body["value"]}
    ]
    noted = await teams.post(click(url, as_posted, actions.ADD_NOTE, typed={"note": "Again"}))
    await teams.settle()
    assert noted.body["type"] == MESSAGE_CONTENT_TYPE
    assert noted.body["value"].startswith("Added your note")
    assert "Again" in texts(connector.messages()[-1].card)

    asked = await teams.post(click(url, as_posted, actions.CLOSE_REQUEST))
    await teams.settle()
    assert asked.body["type"] == MESSAGE_CONTENT_TYPE
    question = connector.messages()[-1]
    kept = await teams.post(click(url, question, actions.CLOSE_CANCEL))
    assert kept.body["type"] == CARD_CONTENT_TYPE
    assert texts(kept.body["value"]) == ["OK, the ticket stays open."]
    assert teams.desk.get(TicketRef("id", str(ticket.id)), user).status != STATUS_COMPLETE
    closed = await teams.post(click(url, question, actions.CLOSE_CONFIRM))
    assert texts(closed.body["value"])[0].endswith("VPN down")
    assert teams.desk.get(TicketRef("id", str(ticket.id)), user).status == STATUS_COMPLETE

    await teams.say(dm(url, VPN))
    cancelled = await teams.post(click(url, connector.messages()[-1], actions.CREATE_CANCEL))
    assert texts(cancelled.body["value"])[0].startswith("OK, I won't open a ticket")
    assert teams.desk.list_open(user) == []


def as_older_client(node: Any) -> Any:
    """What a client without Universal Actions shows: every Action.Execute's fallback."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute":
            return as_older_client(node["fallback"])
        return {k: as_older_client(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_older_client(item) for item in node]
    return node


async def test_an_older_client_submits_the_fallback_of_execute_buttons(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT)  # Action.Execute cards
    url = teams.service_url
    await teams.say(dm(url, VPN))
    (draft,) = connector.messages()
    older = as_older_client(draft.card)

    answer = await teams.say(
        click(url, draft, actions.CREATE_CONFIRM, card=older, typed={"title": "VPN down"})
    )

    assert answer.status in (200, 201)
    (update,) = connector.updates()  # a message activity: the card is updated by a PUT
    assert update.activity_id == draft.id
    assert title_of(update).endswith("VPN down")
    (ticket,) = teams.desk.list_open(teams.core_calls[-1].user)
    assert ticket.title == "VPN down"


async def test_a_card_answered_in_a_channel_changes_for_everyone(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT)
    url = teams.service_url
    post = mention(url, VPN)
    thread = f"{CHANNEL};messageid={post['id']}"
    await teams.say(post)
    (draft,) = connector.messages()

    created = await teams.say(click(url, draft, actions.CREATE_CONFIRM, sender=BOB))

    assert created.body["type"] == CARD_CONTENT_TYPE  # what Bob, who clicked, sees at once
    (put,) = connector.updates()  # what Alice and everyone else in the channel see
    assert (put.kind, put.conversation_id, put.activity_id) == ("update", thread, draft.id)
    assert put.card == created.body["value"]
    assert title_of(put).endswith("VPN drops every ten minutes")
    assert connector.messages() == [draft]  # nothing posted twice


async def test_the_help_and_list_cards_buttons_work(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(teams=SUBMIT)
    url = teams.service_url
    await open_ticket(teams, "the monitor flickers")
    await open_ticket(teams, "the mouse is dead")
    await teams.say(dm(url, "ticket help"))
    help_message = connector.messages()[-1]

    await teams.say(click(url, help_message, actions.LIST_TICKETS))
    listed = connector.messages()[-1]
    assert title_of(listed) == "Your open tickets"
    await teams.say(click(url, help_message, actions.NEW_TICKET))
    assert connector.messages()[-1].text.startswith("Sure. What's the problem?")

    # "Show T..." on the list: the list card turns into that ticket's card.
    await teams.say(click(url, listed, actions.REFRESH))
    (shown,) = connector.updates()
    assert shown.activity_id == listed.id
    (facts,) = [b for b in listed.card["body"] if b["type"] == "FactSet"]
    first_title = facts["facts"][0]["value"].split(" — ")[0]
    assert title_of(shown).endswith(first_title)


async def test_an_update_that_teams_refuses_is_posted_instead(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(teams=SUBMIT)
    posted = await open_ticket(teams)
    connector.fail("update", 404)

    await teams.say(click(teams.service_url, posted, actions.REFRESH))

    assert connector.updates() == []
    assert connector.messages()[-1].cards  # the refreshed card, as a new message


async def test_an_unreadable_card_submission_gets_a_polite_answer(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()
    activity = dm(teams.service_url, "")
    activity["value"] = {"something": "else"}

    await teams.say(activity)

    (answer,) = connector.messages()
    assert answer.text == UNREADABLE_CARD
    assert teams.core_calls == []


# -- welcome, redelivery, failures --------------------------------------------------------------


async def test_a_person_joining_the_personal_chat_is_welcomed_once_and_remembered(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()

    await teams.say(members_added(teams.service_url, BOT))
    assert connector.sent == []  # the bot's own join event
    await teams.say(members_added(teams.service_url, ALICE))

    (welcome,) = connector.messages()
    assert (welcome.kind, welcome.conversation_id) == ("send", ALICE_DM)
    assert welcome.activity["summary"] == WELCOME
    assert title_of(welcome) == "How I can help"
    with teams.runtime.database.sessions() as session:
        (row,) = session.scalars(select(ConversationRow)).all()
    assert (row.platform, row.channel_id, row.tenant_id) == ("teams", ALICE_DM, TENANT)
    assert row.delivery_ref is not None
    assert json.loads(row.delivery_ref)["serviceUrl"] == teams.service_url


async def test_a_redelivered_activity_acts_once(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()
    activity = dm(teams.service_url, "ticket new the projector flickers")

    await teams.say(activity)
    await teams.say(activity)

    assert len(teams.core_calls) == 1  # the inbox refused the redelivery by its id
    (created,) = connector.messages()
    assert created.activity["summary"].startswith("Created ticket")
    assert len(teams.desk.list_open(teams.core_calls[0].user)) == 1


async def test_a_backend_that_is_down_gets_a_polite_answer(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(ticketing=DownTicketing())

    answer = await teams.say(dm(teams.service_url, "ticket list"))

    assert answer.status in (200, 201)
    (reply,) = connector.messages()
    assert reply.text == BackendUnavailable("x").user_message


async def test_a_connector_that_is_down_loses_nothing_but_the_post(
    make_teams: MakeTeams, connector: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    teams = await make_teams()
    await teams.say(dm(teams.service_url, "ticket list"))  # the roster knows Alice now
    before = len(connector.sent)
    connector.down()

    answer = await teams.say(dm(teams.service_url, "ticket new the scanner is broken"))

    assert answer.status in (200, 201)
    assert len(connector.sent) == before
    assert "Teams post failed" in caplog.text
    (ticket,) = teams.desk.list_open(teams.core_calls[-1].user)  # the core still acted
    connector.down(False)
    await teams.say(dm(teams.service_url, f"ticket status {ticket.id}"))
    assert title_of(connector.messages()[-1]).endswith("The scanner is broken")


# -- authentication and bad requests ------------------------------------------------------------


async def test_with_an_app_id_an_unauthenticated_request_gets_401(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    settings = TeamsSettings(
        microsoft_app_id=str(uuid.uuid4()),
        microsoft_app_password="test-secret",
        microsoft_app_tenant_id=TENANT,
    )
    teams = await make_teams(teams=settings)
    activity = dm(teams.service_url, "ticket list")

    missing = await teams.post(activity)
    wrong_scheme = await teams.post(activity, headers={"Authorization": "Basic dGVzdDp0ZXN0"})
    not_a_token = await teams.post(activity, headers={"Authorization": "Bearer garbage"})
    # Signed by someone else: refused on its issuer, before any key is fetched.
    forged = jwt.encode({"iss": "https://evil.example", "aud": "x"}, "k" * 32, algorithm="HS256")
    foreign = await teams.post(activity, headers={"Authorization": f"Bearer {forged}"})

    assert missing.status == 401
    assert wrong_scheme.status == 401
    assert not_a_token.status == 401
    assert foreign.status == 401
    assert teams.core_calls == []
    assert connector.sent == []


async def test_without_an_app_id_or_local_mode_every_request_gets_401(
    make_teams: MakeTeams, connector: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    # A Slack-only deployment: Teams is mounted, but nobody turned local mode on.
    teams = await make_teams(teams=LOCAL.model_copy(update={"teams_local_mode": False}))

    answer = await teams.post(dm(teams.service_url, "ticket list"))
    garbage = await teams.post({"type": "message"}, headers={"Authorization": "Bearer x"})

    assert (answer.status, garbage.status) == (401, 401)
    assert teams.core_calls == []
    assert connector.sent == [] and connector.member_lookups == []
    refusals = [r for r in caplog.records if "TEAMS_LOCAL_MODE is off" in r.getMessage()]
    assert len(refusals) == 2


async def test_a_service_url_that_parsers_read_two_ways_is_refused_in_local_mode(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    # The attack: urlsplit() reads the host after "@" (the real connector's loopback port)
    # while the Bot Connector client connects to the one before the backslash (the attacker's).
    received: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        received.append(f"{request.method} {request.raw_path}")
        if "/members/" in request.raw_path:  # the roster lookup: "Alice" is a technician
            member = {"id": ALICE["id"], "name": "Tech", "email": "technician@example.com"}
            return web.json_response(member)
        return web.json_response({"id": "1"})

    attacker = web.Application()
    attacker.router.add_route("*", "/{tail:.*}", anything)
    runner, attacker_port = await start_app(attacker)
    teams = await make_teams()
    port = connector.service_url.rsplit(":", 1)[1].strip("/")
    forged = f"http://127.0.0.1:{attacker_port}\\@127.0.0.1:{port}/"
    try:
        answer = await teams.say(dm(forged, "ticket list"))
        with_userinfo = await teams.say(dm(f"http://x@127.0.0.1:{port}/", "ticket list"))
    finally:
        await runner.cleanup()

    assert (answer.status, with_userinfo.status) == (403, 403)
    assert received == []
    assert connector.sent == [] and connector.member_lookups == []
    assert teams.core_calls == []  # no roster e-mail was trusted for anything


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1\\@127.0.0.1:2/",
        "http://user@127.0.0.1/",
        "http://user:pw@localhost:3978/",
        "http://127.0.0.1:3978/?next=https://evil.example",
        "http://127.0.0.1:3978/#x",
        "http://127.0.0.1:3978/%2e%2e",
        "http://127.0.0.1:99999/",
        "http://127.1/",
        "http://0x7f.0.0.1/",
        "http://localhost.evil.example/",
        "http://[::ffff:7f00:1]/",
        "http://[::1%25eth0]/",
        "ftp://127.0.0.1/",
        "http://127.0.0.1:3978/\n",
        " http://127.0.0.1/",
        "//127.0.0.1/",
        "not a url",
        "",
        None,
        ["http://127.0.0.1/"],
    ],
)
def test_only_a_plain_loopback_url_counts_as_loopback(url: object) -> None:
    assert not is_loopback(url)


async def test_local_mode_answers_only_a_loopback_service_url(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()

    answer = await teams.post(dm("https://smba.trafficmanager.net/emea/", "ticket list"))

    assert answer.status == 403
    assert teams.core_calls == []
    by_name = teams.service_url.replace("127.0.0.1", "localhost")
    assert (await teams.say(dm(by_name, "ticket list"))).status in (200, 201)
    assert connector.messages()[-1].text.startswith("You have no open tickets")
    assert is_loopback("http://[::1]:3978/") and is_loopback("http://127.0.0.2/")
    assert not is_loopback("http://localhost.evil.example/") and not is_loopback("not a url")


async def test_requests_that_are_not_activities_are_refused(make_teams: MakeTeams) -> None:
    teams = await make_teams()
    url = f"{teams.base_url}/api/messages"

    async with teams.session.post(url, data="{", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
    async with teams.session.post(url, json={"text": "no type"}) as r:
        assert r.status == 400
    malformed = dm(teams.service_url, "hi")
    malformed["timestamp"] = "yesterday"
    async with teams.session.post(url, json=malformed) as r:
        assert r.status == 400
    async with teams.session.post(url, data="x", headers={"Content-Type": "text/plain"}) as r:
        assert r.status == 415
    unknown = {"Content-Type": "application/json; charset=no-such-charset"}
    async with teams.session.post(url, data='{"type": "message"}', headers=unknown) as r:
        assert r.status == 400
    async with teams.session.get(url) as r:
        assert r.status == 405
    assert teams.core_calls == []


MALFORMED: dict[str, dict[str, Any]] = {
    "from is a string": {"from": "x"},
    "conversation id is a number": {"conversation": {"id": 5}},
    "text is an object": {"text": {"a": 1}},
    "type is a number": {"type": 5},
    "id is an object": {"id": {"a": 1}},
    "entities is a string": {"entities": "x"},
    "channelData is a string": {"channelData": "x"},
    "channelData.team is a string": {"type": "conversationUpdate", "channelData": {"team": "x"}},
    "membersAdded holds numbers": {"type": "conversationUpdate", "membersAdded": [1, None]},
    "an invoke without a name": {"type": "invoke"},
    "an invoke nobody handles": {"type": "invoke", "name": "composeExtension/query"},
    "localTimestamp is not a time": {"localTimestamp": "soon"},
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=list(MALFORMED))
async def test_a_malformed_activity_gets_400_and_one_log_line(
    make_teams: MakeTeams,
    connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, Any],
) -> None:
    teams = await make_teams()
    activity = {**dm(teams.service_url, "ticket list"), **change}
    caplog.clear()

    answer = await teams.say(activity)

    assert answer.status == 400
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert teams.core_calls == [] and connector.sent == []


@pytest.mark.parametrize("depth", [100, 100_000])
async def test_deeply_nested_json_gets_400_and_one_log_line(
    make_teams: MakeTeams, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    teams = await make_teams()
    nested = "[" * depth + "]" * depth
    body = f'{{"type": "message", "serviceUrl": "{teams.service_url}", "value": {nested}}}'
    caplog.clear()

    async with teams.session.post(
        f"{teams.base_url}/api/messages", data=body, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
    (refused,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert refused.getMessage().startswith("Teams request refused") and not refused.exc_info
    assert teams.core_calls == []


# -- proactive messages -------------------------------------------------------------------------


async def test_a_stored_conversation_can_be_sent_to_later(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()
    posted = await open_ticket(teams)
    user = teams.core_calls[-1].user
    (ticket,) = teams.desk.list_open(user)
    with teams.runtime.database.sessions() as session:
        (row,) = session.scalars(select(ConversationRow)).all()
    delivery_ref = teams.runtime.store.delivery_ref(row.id)
    assert delivery_ref is not None
    before = len(connector.sent)

    sent = await send_to_conversation(
        teams.teams,
        delivery_ref,
        Reply(f"Ticket {ticket.number} was updated.", card=ticket_card(ticket)),
    )

    assert sent is True
    (notice,) = connector.posted_after(before)
    assert (notice.kind, notice.conversation_id, notice.activity_id) == ("send", ALICE_DM, None)
    assert notice.activity["summary"] == f"Ticket {ticket.number} was updated."
    assert title_of(notice) == title_of(posted)
    assert notice.activity["recipient"]["id"] == ALICE["id"]

    assert await send_to_conversation(teams.teams, "not a reference", Reply("x")) is False
    connector.fail("send", 403)
    assert await send_to_conversation(teams.teams, delivery_ref, Reply("x")) is False


async def test_answers_kept_in_the_outbox_reach_the_conversation_they_came_from(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()
    await teams.say(dm(teams.service_url, "ticket new the projector flickers"))
    with teams.app[RUNTIME_KEY].database.sessions() as session:
        (kept,) = session.scalars(select(OutboxRow)).all()
    assert kept.sent_at is not None  # posted at once, and marked so

    # What a process that died before posting does after its restart: the same destination.
    replies = [Reply("Answered after a restart")]
    again = Outgoing(kept.id, kept.event_id, "teams", kept.destination, replies, 2, again=True)
    delivered = await teams.teams.bot.deliver_stored(again)

    assert delivered
    assert [m.activity.get("text") for m in connector.messages()][-1] == "Answered after a restart"
    assert connector.messages()[-1].conversation_id == connector.messages()[0].conversation_id


async def test_an_execute_click_is_kept_in_the_inbox_and_its_answer_marked_sent(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams(script=SCRIPT)
    url = teams.service_url
    await teams.say(dm(url, VPN))
    (draft,) = connector.messages()
    confirm = click(url, draft, actions.CREATE_CONFIRM, activity_id="f:click-1")

    created = await teams.post(confirm)
    await teams.settle()
    again = await teams.post(confirm)  # Teams delivers the invoke again
    await teams.settle()

    assert created.body["type"] == CARD_CONTENT_TYPE
    assert again.body == {
        "statusCode": 200,
        "type": MESSAGE_CONTENT_TYPE,
        "value": "That was already taken care of.",
    }
    with teams.app[RUNTIME_KEY].database.sessions() as session:
        [kept] = session.scalars(select(InboxRow).where(InboxRow.event_id.endswith(":f:click-1")))
        answer = session.scalars(select(OutboxRow).where(OutboxRow.event_id == kept.event_id)).one()
    assert kept.status == "done" and kept.platform == "teams"
    # Answered in the invoke (and the card updated): marked sent, so no process posts it again.
    assert answer.sent_at is not None
    assert json.loads(answer.destination)["source_activity_id"] == draft.id
    assert len(teams.desk.list_open(teams.core_calls[-1].user)) == 1
