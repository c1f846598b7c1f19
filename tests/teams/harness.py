"""The Teams adapter under test: the real server (``bots.server.build_web_app`` with its default
mounts) on loopback, the real Assistant on a SQLite file with the local desk, and a loopback
fake Bot Connector. Activities shaped like Teams' are POSTed over real HTTP to /api/messages."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bots.composition import Runtime, build_runtime
from bots.server import build_web_app
from bots.teams.app import TEAMS_ADAPTER_KEY, TeamsAdapter
from bots.teams.cards import DATA_ACTION, INPUT_IDS
from core.actions import ALL_ACTIONS
from core.intents import Classification
from core.messages import Event
from core.ports import TicketingSystem
from core.settings import (
    LlmSettings,
    Settings,
    SlackSettings,
    TeamsSettings,
    TicketbotSettings,
)
from storage.local_desk import LocalDesk
from tests.fakes.bot_connector import FakeBotConnector, Sent
from tests.fakes.loopback import start_app
from tests.support import ScriptedClassifier, count_core_calls
from tests.teams.adaptive_card_1_5 import buttons, inputs, sensible, validate

TENANT = "tenant-1"
BOT = {"id": "28:bot-ticketbot", "name": "Ticketbot"}
ALICE = {"id": "29:alice", "name": "Alice Example", "aadObjectId": "aad-alice"}
BOB = {"id": "29:bob", "name": "Bob Example", "aadObjectId": "aad-bob"}
ALICE_DM = "a:1alice-personal-chat"
BOB_DM = "a:1bob-personal-chat"
CHANNEL = "19:general@thread.tacv2"
TEAM = "19:team@thread.tacv2"
_ids = itertools.count(1)


def now_utc() -> datetime:
    return datetime.now(UTC)


def next_id() -> str:
    return f"{1700000000000 + next(_ids)}"


# -- activities, shaped like Teams' -------------------------------------------------------------


def _base(
    service_url: str, sender: Mapping[str, Any], conversation: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": next_id(),
        "timestamp": now_utc().isoformat().replace("+00:00", "Z"),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": dict(sender),
        "conversation": conversation,
        "recipient": dict(BOT),
        "locale": "en-US",
    }


def personal(conversation_id: str = ALICE_DM) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": conversation_id}


def channel_thread(root: str) -> dict[str, Any]:
    return {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT,
        "id": f"{CHANNEL};messageid={root}",
    }


def personal_data() -> dict[str, Any]:
    return {"tenant": {"id": TENANT}}


def channel_data() -> dict[str, Any]:
    return {
        "teamsChannelId": CHANNEL,
        "teamsTeamId": TEAM,
        "channel": {"id": CHANNEL},
        "team": {"id": TEAM},
        "tenant": {"id": TENANT},
    }


def dm(
    service_url: str, text: str, *, sender: Mapping[str, Any] = ALICE, conversation: str = ALICE_DM
) -> dict[str, Any]:
    activity = _base(service_url, sender, personal(conversation))
    activity.update(
        {
            "type": "message",
            "textFormat": "plain",
            "text": text,
            "entities": [{"type": "clientInfo", "locale": "en-US", "platform": "Web"}],
            "channelData": personal_data(),
        }
    )
    return activity


def mention(
    service_url: str, text: str, *, root: str | None = None, sender: Mapping[str, Any] = ALICE
) -> dict[str, Any]:
    """A channel message mentioning the bot: a new post (``root`` None) or a reply in the chain
    started by ``root``."""
    activity = _base(service_url, sender, {})
    activity["conversation"] = channel_thread(root or activity["id"])
    tag = f"<at>{BOT['name']}</at>"
    activity.update(
        {
            "type": "message",
            "textFormat": "plain",
            "text": f"{tag} {text}",
            "entities": [{"type": "mention", "mentioned": dict(BOT), "text": tag}],
            "channelData": channel_data(),
        }
    )
    return activity


def members_added(
    service_url: str, *members: Mapping[str, Any], conversation: str = ALICE_DM
) -> dict[str, Any]:
    activity = _base(service_url, ALICE, personal(conversation))
    activity.update(
        {
            "type": "conversationUpdate",
            "membersAdded": [{"id": m["id"]} for m in members],
            "channelData": personal_data(),
        }
    )
    return activity


def click(
    service_url: str,
    posted: Sent,
    action_id: str,
    *,
    typed: Mapping[str, str] | None = None,
    sender: Mapping[str, Any] = ALICE,
    card: Mapping[str, Any] | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """What a Teams client sends when the person clicks the button ``action_id`` on the card of
    the message ``posted``: an ``Action.Submit`` message or an ``Action.Execute`` invoke, with
    the button's data and the inputs it is associated with merged in."""
    button, scope = find_button(card or posted.card, action_id)
    data = dict(button.get("data") or {})
    if str(button.get("associatedInputs", "auto")).lower() != "none":
        for field_ in scope:
            value = (typed or {}).get(field_["id"], field_.get("value", ""))
            if field_.get("isRequired") and not str(value).strip():
                raise AssertionError(f"the client would not send: {field_['id']} is required")
            data[field_["id"]] = value
    conversation = dict(posted.activity["conversation"])
    activity = _base(service_url, sender, conversation)
    if activity_id:
        activity["id"] = activity_id
    activity["replyToId"] = posted.id
    is_channel = conversation.get("conversationType") == "channel"
    activity["channelData"] = channel_data() if is_channel else personal_data()
    if button["type"] == "Action.Execute":
        activity.update(
            {
                "type": "invoke",
                "name": "adaptiveCard/action",
                "id": activity_id or f"f:{next_id()}",
                "value": {
                    "action": {"type": "Action.Execute", "verb": button["verb"], "data": data},
                    "trigger": "manual",
                },
            }
        )
    else:
        activity.update({"type": "message", "value": data})
    return activity


def find_button(
    card: Mapping[str, Any], action_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The button for ``action_id`` and the inputs a client would send with it: the card's own,
    plus a show-card's when the button sits inside one."""
    own = inputs({"body": card.get("body", [])})
    for action in card.get("actions", []):
        if action.get("type") == "Action.ShowCard":
            nested = action["card"]
            for inner in nested.get("actions", []):
                if (inner.get("data") or {}).get(DATA_ACTION) == action_id:
                    return inner, own + inputs({"body": nested.get("body", [])})
        elif (action.get("data") or {}).get(DATA_ACTION) == action_id:
            return action, own
    raise AssertionError(f"no button {action_id} on {card}")


def understood(card: Mapping[str, Any]) -> list[str]:
    """What a working card needs beyond the schema (:func:`sensible`), and buttons and inputs
    the handler would not understand (action ids the core doesn't have, input ids translate
    doesn't read, an Action.Execute whose Action.Submit fallback sends something else)."""
    problems = sensible(dict(card))
    for button in buttons(card):
        action_id = (button.get("data") or {}).get(DATA_ACTION)
        if action_id not in ALL_ACTIONS:
            problems.append(f"button {button.get('title')!r} sends unknown action {action_id!r}")
        if button["type"] == "Action.Execute" and button.get("verb") != action_id:
            problems.append(f"button {button.get('title')!r}: verb and action id differ")
        if button["type"] == "Action.Execute" and not _falls_back_to_submit(button):
            problems.append(f"button {button.get('title')!r}: no equivalent Action.Submit")
    for field_ in inputs(card):
        if field_["id"] not in INPUT_IDS:
            problems.append(f"input {field_['id']!r} is not read by the handler")
    return problems


def _falls_back_to_submit(button: Mapping[str, Any]) -> bool:
    """Older clients see an Action.Submit that sends the same data and inputs."""
    fallback = button.get("fallback")
    return (
        isinstance(fallback, dict)
        and fallback.get("type") == "Action.Submit"
        and all(fallback.get(k) == button.get(k) for k in ("title", "data", "associatedInputs"))
    )


def check_card(card: Mapping[str, Any]) -> None:
    """A card the bot produced: valid Adaptive Card 1.5, and only things the handler reads."""
    problems = validate(dict(card)) + understood(card)
    assert not problems, problems


# -- the server ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any


@dataclass
class TeamsHarness:
    fake: FakeBotConnector
    runtime: Runtime
    desk: LocalDesk
    classifier: ScriptedClassifier
    session: aiohttp.ClientSession
    base_url: str
    web_runner: web.AppRunner
    app: web.Application
    core_calls: list[Event] = field(default_factory=list)

    @property
    def teams(self) -> TeamsAdapter:
        return self.app[TEAMS_ADAPTER_KEY]

    @property
    def service_url(self) -> str:
        return self.fake.service_url

    async def post(
        self, activity: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Answer:
        sent = {"Content-Type": "application/json"}
        sent.update(headers or {})
        async with self.session.post(
            f"{self.base_url}/api/messages", json=dict(activity), headers=sent
        ) as response:
            text = await response.text()
            try:
                body: Any = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return Answer(response.status, body)

    async def settle(self) -> None:
        """Wait until everything the requests started has finished (no sleeping)."""
        assert await self.teams.bot.drain(timeout=30), "Teams work did not finish"

    async def say(self, activity: Mapping[str, Any]) -> Answer:
        answer = await self.post(activity)
        await self.settle()
        return answer

    async def close(self) -> None:
        await self.session.close()
        await self.web_runner.cleanup()
        self.runtime.close()


# Unauthenticated, loopback serviceUrls only: what these tests post.
LOCAL = TeamsSettings(microsoft_app_id="", microsoft_app_password="", teams_local_mode=True)


def make_settings(tmp_path: Path, *, teams: TeamsSettings | None = None, **bot: Any) -> Settings:
    """Local mode unless ``teams`` says otherwise. Rate limits are off: these tests send many
    requests from one person."""
    bot.setdefault("rate_user_capacity", 0)
    bot.setdefault("rate_backend_per_hour", 0)
    return Settings(
        bot=TicketbotSettings(database_url=f"sqlite:///{tmp_path / 'ticketbot.db'}", **bot),
        slack=SlackSettings(bot_token=None, signing_secret=None, app_token=None),
        teams=teams or LOCAL,
        llm=LlmSettings(
            openai_api_key=None,
            openai_base_url=None,
            azure_openai_endpoint=None,
            azure_openai_api_key=None,
        ),
    )


async def start_harness(
    tmp_path: Path,
    fake: FakeBotConnector,
    *,
    script: Mapping[str, Classification] | None = None,
    ticketing: TicketingSystem | None = None,
    teams: TeamsSettings | None = None,
    **bot: Any,
) -> TeamsHarness:
    settings = make_settings(tmp_path, teams=teams, **bot)
    return await serve(settings, fake, script=script, ticketing=ticketing)


async def serve(
    settings: Settings,
    fake: FakeBotConnector,
    *,
    script: Mapping[str, Classification] | None = None,
    ticketing: TicketingSystem | None = None,
) -> TeamsHarness:
    """The server ``ticketbot serve`` builds from ``settings``, listening on loopback."""
    runtime = build_runtime(settings, clock=now_utc)
    classifier = ScriptedClassifier(dict(script or {}))
    runtime.assistant.classifier = classifier
    runtime.classifier = classifier
    if ticketing is not None:
        runtime.assistant.ticketing = ticketing
        runtime.ticketing = ticketing
    app = build_web_app(runtime)  # the default mounts: Teams is always there
    web_runner, port = await start_app(app)
    harness = TeamsHarness(
        fake=fake,
        runtime=runtime,
        desk=LocalDesk(runtime.database, clock=now_utc),
        classifier=classifier,
        session=aiohttp.ClientSession(),
        base_url=f"http://127.0.0.1:{port}",
        web_runner=web_runner,
        app=app,
    )
    count_core_calls(runtime.assistant, harness.core_calls)
    return harness
