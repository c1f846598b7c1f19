"""The activity handler through botbuilder's ``TestAdapter``: the real Assistant on a SQLite file
with the local desk behind it, an injected async core call, and a stand-in roster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botbuilder.core import InvokeResponse
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
)
from botbuilder.schema.teams import TeamsChannelAccount
from msrest.exceptions import ClientRequestError
from sqlalchemy import select

from bots.teams.app import TeamsAdapter, build_teams_adapter
from bots.teams.bot import ALREADY_DONE, SORRY, STILL_WORKING, WELCOME
from bots.teams.cards import CARD_CONTENT_TYPE, DATA_ACTION
from bots.teams.invoke import MESSAGE_CONTENT_TYPE
from bots.teams.roster import Roster
from bots.teams.translate import PLATFORM
from core import actions
from core.intents import Classification, Intent
from core.messages import ConversationRef, Event, InboundMessage, Reply
from core.settings import TeamsSettings
from core.tickets import Priority, TicketDraft, TicketRef
from storage.db import Database
from storage.models import ConversationRow, TurnRow
from tests.support import Bot, make_bot
from tests.teams.harness import ALICE, ALICE_DM, BOT, TENANT, check_card, find_button

pytestmark = pytest.mark.anyio

VPN = "the VPN drops every ten minutes"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops every ten minutes")}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class AssistantCore:
    """The core, called the way the server calls it: off the event loop. ``gate`` holds calls
    back until the test opens it."""

    bot: Bot
    gate: asyncio.Event | None = None
    calls: list[Event] = field(default_factory=list)
    fail: bool = False

    async def handle(self, event: Event) -> list[Reply]:
        self.calls.append(event)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("the core broke (test)")
        return await asyncio.to_thread(self.bot.assistant.handle, event)

    answers_here: bool = True

    async def receive(self, event_id: str, platform: str, intake: str, destination: str) -> bool:
        return True

    async def dismiss(self, event_id: str) -> None:
        pass

    async def answer(self, event: Event, platform: str, destination: str) -> list[Reply]:
        return await self.handle(event)

    async def delivered(self, event_id: str) -> None:
        pass

    async def remember(self, conversation: ConversationRef) -> None:
        store, clock = self.bot.store, self.bot.clock
        await asyncio.to_thread(store.open_conversation, conversation, clock())

    async def save_attachment(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        raise AssertionError("these flows send no files")

    async def is_triage_thread(self, conversation: ConversationRef) -> bool:
        return False  # these flows have no triage channel

    async def remember_channel(self, channel: str, delivery_ref: str, team: str) -> None:
        pass


@dataclass
class FakeRosterFetch:
    members: dict[str, TeamsChannelAccount]
    calls: list[str] = field(default_factory=list)
    broken: bool = False

    async def __call__(self, turn_context: Any, member_id: str) -> TeamsChannelAccount:
        self.calls.append(member_id)
        if self.broken:
            raise ClientRequestError("connection refused (test)")
        return self.members[member_id]


@dataclass
class Flow:
    adapter: TestAdapter
    teams: TeamsAdapter
    core: AssistantCore
    roster: FakeRosterFetch
    bot: Bot

    async def send(self, activity: Activity | str) -> None:
        await self.adapter.send(activity)
        assert await self.teams.bot.drain(timeout=30)

    def take(self) -> list[Activity]:
        sent = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        return sent

    def messages(self) -> list[Activity]:
        return [a for a in self.take() if a.type == ActivityTypes.message]


def start_flow(
    database: Database,
    *,
    action: str = "execute",
    gate: asyncio.Event | None = None,
    fail: bool = False,
    adapter_class: type[TestAdapter] = TestAdapter,
    **opts: Any,
) -> Flow:
    bot = make_bot(database, script=SCRIPT)
    core = AssistantCore(bot, gate=gate, fail=fail)
    fetch = FakeRosterFetch(
        {ALICE["id"]: TeamsChannelAccount(id=ALICE["id"], name="Alice E.", email="a@x.example")}
    )
    adapter = adapter_class(
        template_or_conversation=Activity(
            channel_id="msteams",
            service_url="https://smba.example.test/",
            conversation=ConversationAccount(id=ALICE_DM, conversation_type="personal"),
            from_property=ChannelAccount(id=ALICE["id"], name=ALICE["name"]),
            recipient=ChannelAccount(id=BOT["id"], name=BOT["name"]),
            channel_data={"tenant": {"id": TENANT}},
        )
    )
    teams = build_teams_adapter(
        TeamsSettings(microsoft_app_id="", teams_card_actions=action),
        core,
        adapter=adapter,
        roster=Roster(fetch),
        clock=bot.clock,
        **opts,
    )
    adapter.logic = teams.bot.on_turn
    return Flow(adapter, teams, core, fetch, bot)


def card_of(activity: Activity) -> dict[str, Any]:
    (attachment,) = activity.attachments
    assert attachment.content_type == CARD_CONTENT_TYPE
    card: dict[str, Any] = attachment.content
    check_card(card)
    return card


def invoke(card: dict[str, Any], action_id: str, **typed: str) -> Activity:
    button, scope = find_button(card, action_id)
    data = dict(button["data"])
    data.update({i["id"]: typed.get(i["id"], i.get("value", "")) for i in scope})
    return Activity(
        type=ActivityTypes.invoke,
        name="adaptiveCard/action",
        reply_to_id="card-message",
        value={
            "action": {"type": "Action.Execute", "verb": button["verb"], "data": data},
            "trigger": "manual",
        },
    )


def submit(card: dict[str, Any], action_id: str, **typed: str) -> Activity:
    button, scope = find_button(card, action_id)
    data = dict(button["data"])
    if button.get("associatedInputs") != "None":
        data.update({i["id"]: typed.get(i["id"], i.get("value", "")) for i in scope})
    return Activity(type=ActivityTypes.message, value=data, reply_to_id="card-message")


def invoke_answer(activities: list[Activity]) -> Any:
    (answer,) = [a for a in activities if a.type == ActivityTypes.invoke_response]
    response: InvokeResponse = answer.value
    assert response.status == 200
    return response.body


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``predicate`` (bounded) while background work runs."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


# -- conversations ------------------------------------------------------------------------------


async def test_a_message_gets_a_typing_indicator_then_the_answer(database: Database) -> None:
    flow = start_flow(database)

    test_flow = await flow.adapter.send("ticket help")
    assert await flow.teams.bot.drain(timeout=30)

    def typing(activity: Activity, description: str) -> None:
        assert activity.type == ActivityTypes.typing

    def help_card(activity: Activity, description: str) -> None:
        assert activity.summary.startswith("I'm the IT help desk assistant")
        assert card_of(activity)["body"][0]["text"] == "How I can help"

    test_flow = await test_flow.assert_reply(typing)
    await test_flow.assert_reply(help_card)
    (event,) = flow.core.calls
    assert event.user.platform == PLATFORM
    assert event.user.email == "a@x.example"  # from the roster
    assert event.user.display_name == "Alice E."
    assert event.conversation.tenant_id == TENANT


async def test_the_draft_card_is_submitted_with_an_edited_title_and_priority(
    database: Database,
) -> None:
    flow = start_flow(database, action="submit")
    await flow.send(VPN)
    (draft,) = flow.messages()
    card = card_of(draft)

    await flow.send(
        submit(card, actions.CREATE_CONFIRM, title="VPN keeps dropping", priority="Critical")
    )

    (ticket,) = flow.bot.desk.list_open(flow.core.calls[-1].user)
    assert ticket.title == "VPN keeps dropping"
    assert ticket.priority == Priority.CRITICAL.value
    assert ticket.description == VPN  # the stored draft keeps the person's own words
    # The draft card became the ticket: updated in place, nothing new posted.
    (updated,) = flow.adapter.updated_activities
    assert updated.id == "card-message"
    assert card_of(updated)["body"][0]["text"].endswith("VPN keeps dropping")
    assert flow.messages() == []


async def test_cancel_on_the_draft_sends_no_inputs_and_replaces_the_card(
    database: Database,
) -> None:
    flow = start_flow(database, action="submit")
    await flow.send(VPN)
    card = card_of(flow.messages()[0])

    sent = submit(card, actions.CREATE_CANCEL)
    await flow.send(sent)

    assert set(sent.value) == {DATA_ACTION, "values"}  # associatedInputs: None
    (updated,) = flow.adapter.updated_activities
    assert card_of(updated)["body"][0]["text"].startswith("OK, I won't open a ticket")
    assert flow.bot.desk.list_open(flow.core.calls[-1].user) == []


async def test_refresh_by_execute_answers_the_invoke_with_the_fresh_card(
    database: Database,
) -> None:
    flow = start_flow(database)
    await flow.send("ticket new the printer is jammed")
    card = card_of(flow.messages()[0])
    user = flow.core.calls[-1].user
    (ticket,) = flow.bot.desk.list_open(user)
    flow.bot.desk.add_note(TicketRef("id", str(ticket.id)), "Toner replaced", user)

    await flow.adapter.send(invoke(card, actions.REFRESH))
    answered = flow.take()
    assert await flow.teams.bot.drain(timeout=30)

    body = invoke_answer(answered)
    assert body.status_code == 200
    assert body.type == CARD_CONTENT_TYPE
    check_card(body.value)
    assert "Toner replaced" in [b.get("text") for b in body.value["body"]]
    assert flow.take() == []  # nothing else posted


async def test_add_note_by_execute_posts_the_updated_ticket_and_says_so(
    database: Database,
) -> None:
    flow = start_flow(database)
    await flow.send("ticket new the printer is jammed")
    card = card_of(flow.messages()[0])

    await flow.adapter.send(invoke(card, actions.ADD_NOTE, note="It smells burnt too"))
    answered = flow.take()
    assert await flow.teams.bot.drain(timeout=30)

    body = invoke_answer(answered)
    assert body.type == MESSAGE_CONTENT_TYPE
    assert body.value.startswith("Added your note to ticket")
    (posted,) = flow.messages()
    assert "It smells burnt too" in [b.get("text") for b in card_of(posted)["body"]]


async def test_a_redelivered_invoke_is_answered_without_acting_twice(database: Database) -> None:
    flow = start_flow(database)
    await flow.send("ticket new the printer is jammed")
    card = card_of(flow.messages()[0])
    again = invoke(card, actions.ADD_NOTE, note="once")
    again.id = "f:same-invoke"

    await flow.adapter.send(again)
    flow.take()
    await flow.adapter.send(again)
    answered = flow.take()
    assert await flow.teams.bot.drain(timeout=30)

    assert invoke_answer(answered).value == ALREADY_DONE
    user = flow.core.calls[-1].user
    (ticket,) = flow.bot.desk.list_open(user)
    notes = flow.bot.desk.get(TicketRef("id", str(ticket.id)), user).notes
    assert [n.text for n in notes] == ["once"]


# -- slow and failing cores ---------------------------------------------------------------------


async def test_a_slow_core_keeps_the_typing_indicator_going_until_the_answer(
    database: Database,
) -> None:
    gate = asyncio.Event()
    flow = start_flow(database, gate=gate, typing_every_seconds=0.01)

    await flow.adapter.send("ticket list")
    await until(lambda: len(flow.adapter.activity_buffer) >= 3)
    gate.set()
    assert await flow.teams.bot.drain(timeout=30)

    sent = flow.take()
    assert {a.type for a in sent[:-1]} == {ActivityTypes.typing}
    assert sent[-1].text.startswith("You have no open tickets")


async def test_an_invoke_slower_than_teams_waits_is_answered_later(database: Database) -> None:
    flow = start_flow(database, invoke_budget_seconds=0.01)
    await flow.send("ticket new the printer is jammed")
    card = card_of(flow.messages()[0])
    gate = flow.core.gate = asyncio.Event()

    await flow.adapter.send(invoke(card, actions.REFRESH))
    answered = flow.take()
    assert invoke_answer(answered).value == STILL_WORKING
    gate.set()
    assert await flow.teams.bot.drain(timeout=30)

    # The refreshed card replaced the clicked one as soon as it was ready.
    (updated,) = flow.adapter.updated_activities
    assert updated.id == "card-message"
    card_of(updated)


async def test_a_failing_core_gets_a_polite_answer(database: Database) -> None:
    flow = start_flow(database, fail=True)

    await flow.send("ticket list")

    (answer,) = flow.messages()
    assert answer.text == SORRY


class NoTurnAdapter(TestAdapter):  # type: ignore[misc]
    """A connector the bot can't get a token for: msal refuses the app (AADSTS700016, the
    botbuilder SDK raises PermissionError) before a turn of our own can start."""

    async def continue_conversation(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError("Failed to get access token with error: unauthorized_client")


class NoAuthorityAdapter(TestAdapter):  # type: ignore[misc]
    """The turn starts, but its first post fails the way msal does for a tenant it can't
    find (a ValueError, not a Bot Connector error)."""

    async def send_activities(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Unable to get authority configuration for https://login.example/x")


@pytest.mark.parametrize("adapter_class", [NoTurnAdapter, NoAuthorityAdapter])
async def test_a_message_whose_turn_cannot_start_is_still_stored(
    database: Database, caplog: pytest.LogCaptureFixture, adapter_class: type[TestAdapter]
) -> None:
    flow = start_flow(database, adapter_class=adapter_class)
    text = "the scanner on floor 3 is broken"

    await flow.adapter.send(text)
    assert await flow.teams.bot.drain(timeout=30)

    (event,) = flow.core.calls
    assert isinstance(event, InboundMessage) and event.text == text
    with database.sessions() as session:
        said = session.scalars(select(TurnRow.text).where(TurnRow.role == "user")).all()
    assert text in said
    assert "handled without a turn to answer in" in caplog.text


# -- welcome and identity -----------------------------------------------------------------------


async def test_a_person_joining_the_personal_chat_is_welcomed_and_remembered(
    database: Database,
) -> None:
    flow = start_flow(database)

    await flow.send(
        Activity(
            type=ActivityTypes.conversation_update,
            members_added=[ChannelAccount(id=ALICE["id"])],
        )
    )

    (welcome,) = flow.messages()
    assert welcome.summary == WELCOME
    assert card_of(welcome)["body"][0]["text"] == "How I can help"
    with database.sessions() as session:
        (row,) = session.query(ConversationRow).all()
        assert (row.platform, row.tenant_id, row.channel_id) == (PLATFORM, TENANT, ALICE_DM)
        assert row.delivery_ref and '"serviceUrl":"https://smba.example.test/"' in row.delivery_ref


async def test_the_bots_own_join_and_group_joins_get_no_welcome(database: Database) -> None:
    flow = start_flow(database)

    await flow.send(
        Activity(
            type=ActivityTypes.conversation_update, members_added=[ChannelAccount(id=BOT["id"])]
        )
    )
    group = Activity(
        type=ActivityTypes.conversation_update,
        members_added=[ChannelAccount(id=ALICE["id"])],
        conversation=ConversationAccount(id="19:group@thread.v2", conversation_type="groupChat"),
    )
    await flow.send(group)

    assert flow.take() == []


async def test_the_roster_is_asked_once_per_person_and_failures_are_not_cached(
    database: Database,
) -> None:
    flow = start_flow(database)

    await flow.send("ticket list")
    await flow.send("ticket list")
    assert flow.roster.calls == [ALICE["id"]]

    flow.teams.bot.roster = Roster(flow.roster)
    flow.roster.broken = True
    await flow.send("ticket list")
    flow.roster.broken = False
    await flow.send("ticket list")

    without, with_email = flow.core.calls[-2:]
    assert without.user.email is None and without.user.display_name == ALICE["name"]
    assert with_email.user.email == "a@x.example"
    assert flow.roster.calls == [ALICE["id"]] * 3


async def test_a_ticket_created_elsewhere_shows_with_its_number(database: Database) -> None:
    flow = start_flow(database)
    await flow.send("ticket list")
    user = flow.core.calls[-1].user
    ticket = flow.bot.desk.create(TicketDraft("Monitor flickers", "It flickers."), user)
    flow.take()

    await flow.send(f"ticket status {ticket.id}")

    (status,) = flow.messages()
    assert card_of(status)["body"][0]["text"] == f"{ticket.number} · Monitor flickers"
