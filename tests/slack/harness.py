"""The Slack adapter under test: the real server (``bots.server.build_web_app`` with the Slack
mount) on loopback, the real Assistant on a SQLite file with the local desk, and a loopback
fake Slack Web API. Requests are signed like Slack signs them and POSTed over real HTTP."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bots.composition import Runtime, build_runtime
from bots.server import build_web_app
from bots.slack.app import SLACK_ADAPTER_KEY, SlackAdapter
from core.intents import Classification
from core.messages import Event
from core.ports import TicketingSystem
from core.settings import (
    LlmSettings,
    Settings,
    SlackSettings,
    TicketbotSettings,
)
from storage.local_desk import LocalDesk
from tests.fakes.loopback import start_app
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlackApi
from tests.support import ScriptedClassifier, count_core_calls

SECRET = "test-secret"
ALICE = "UALICE01"
BOB = "UBOB0001"
DM = "DALICE01"
CHANNEL = "CGENERAL1"
_ids = itertools.count(1)


def now_utc() -> datetime:
    return datetime.now(UTC)


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


# -- payloads, shaped like Slack's -------------------------------------------------------------


def event_body(event: Mapping[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0000001",
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": "UBOT0001", "is_bot": True, "enterprise_id": None}
        ],
    }


def dm_event(
    text: str, *, user: str = ALICE, ts: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts or f"1700000{next(_ids):03d}.000200",
        "team": TEAM_ID,
        **extra,
    }


def mention_event(
    text: str, *, user: str = ALICE, ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": user,
        "text": text,
        "ts": ts or f"1700001{next(_ids):03d}.000300",
        "team": TEAM_ID,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def channel_message(
    text: str,
    *,
    user: str = ALICE,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel: str = CHANNEL,
    channel_type: str = "channel",
    **extra: Any,
) -> dict[str, Any]:
    """A ``message.channels`` event (``message.groups`` with ``channel_type="group"``): every
    message in a channel the bot is in, thread replies included."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "channel_type": channel_type,
        "user": user,
        "text": text,
        "ts": ts or f"1700003{next(_ids):03d}.000400",
        "team": TEAM_ID,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def command_form(
    text: str,
    *,
    user: str = ALICE,
    channel: str = CHANNEL,
    response_url: str,
    trigger_id: str | None = None,
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": "alice",
        "command": "/ticket",
        "text": text,
        "api_app_id": "A0000001",
        "response_url": response_url,
        "trigger_id": trigger_id or f"trig.{next(_ids)}",
    }


def block_actions(
    action: Mapping[str, Any],
    *,
    block_id: str,
    user: str = ALICE,
    channel: str | None = DM,
    message_ts: str | None = None,
    thread_ts: str | None = None,
    ephemeral: bool = False,
    response_url: str | None = None,
    home: bool = False,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a click on ``action`` (a button dict we rendered)."""
    clicked = {
        "type": "button",
        "action_id": action["action_id"],
        "block_id": block_id,
        "text": action["text"],
        "action_ts": f"{time.time():.6f}",
    }
    if "value" in action:
        clicked["value"] = action["value"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": "A0000001",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or f"trig.{next(_ids)}",
        "team": {"id": TEAM_ID, "domain": "example"},
        "actions": [clicked],
    }
    if home:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
        return payload
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": channel, "name": "directmessage"}
    if response_url:
        payload["response_url"] = response_url
    if not ephemeral:
        message: dict[str, Any] = {"type": "message", "ts": message_ts, "text": "…"}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload["message"] = message
    return payload


def view_submission(
    view: Mapping[str, Any], values: Mapping[str, str], *, user: str = ALICE
) -> dict[str, Any]:
    """Submit ``view`` (as we opened it) with ``values`` typed into its inputs."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        input_id = block["block_id"].removeprefix("input.")
        element = block["element"]
        typed = values.get(input_id)
        if element["type"] == "static_select":
            chosen = (
                typed if typed is not None else (element.get("initial_option") or {}).get("value")
            )
            option = (
                {"text": {"type": "plain_text", "text": chosen}, "value": chosen}
                if chosen
                else None
            )
            state[block["block_id"]] = {
                element["action_id"]: {"type": "static_select", "selected_option": option}
            }
        else:
            value = typed if typed is not None else element.get("initial_value")
            state[block["block_id"]] = {
                element["action_id"]: {"type": "plain_text_input", "value": value}
            }
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": "A0000001",
        "token": "legacy-verification-token",
        "trigger_id": f"trig.{next(_ids)}",
        "view": {
            **view,
            "id": view.get("id", "VMODAL"),
            "hash": "h1",
            "state": {"values": state},
        },
    }


def message_action(
    text: str, *, user: str = ALICE, channel: str = CHANNEL, response_url: str
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": "create_ticket_from_message",
        "trigger_id": f"trig.{next(_ids)}",
        "response_url": response_url,
        "team": {"id": TEAM_ID, "domain": "example"},
        "channel": {"id": channel, "name": "general"},
        "user": {"id": user, "name": "alice", "team_id": TEAM_ID},
        "message": {"type": "message", "user": BOB, "text": text, "ts": "1700002000.000100"},
        "message_ts": "1700002000.000100",
        "token": "legacy-verification-token",
    }


# -- the server ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    text: str
    elapsed: float


@dataclass
class SlackHarness:
    fake: FakeSlackApi
    runtime: Runtime
    desk: LocalDesk
    classifier: ScriptedClassifier
    session: aiohttp.ClientSession
    base_url: str
    web_runner: web.AppRunner
    app: web.Application
    core_calls: list[Event] = field(default_factory=list)

    @property
    def adapter(self) -> SlackAdapter:
        return self.app[SLACK_ADAPTER_KEY]

    async def post(
        self,
        body: str,
        *,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        sign: bool = True,
        timestamp: int | None = None,
        secret: str = SECRET,
    ) -> Reply:
        sent = (
            signed_headers(body, secret=secret, timestamp=timestamp, content_type=content_type)
            if sign
            else {"Content-Type": content_type}
        )
        sent.update(headers or {})
        start = time.perf_counter()
        async with self.session.post(
            f"{self.base_url}/slack/events", data=body.encode(), headers=sent
        ) as response:
            text = await response.text()
            return Reply(response.status, text, time.perf_counter() - start)

    async def event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> Reply:
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        body = json.dumps(event_body(event, event_id=event_id))
        return await self.post(body, content_type="application/json", headers=headers)

    async def command(self, text: str, **kwargs: Any) -> Reply:
        kwargs.setdefault("response_url", self.fake.response_url("cmd"))
        body = urlencode(command_form(text, **kwargs))
        return await self.post(body, content_type="application/x-www-form-urlencoded")

    async def interact(self, payload: Mapping[str, Any]) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, content_type="application/x-www-form-urlencoded")

    async def settle(self) -> None:
        """Wait until everything the requests started has finished (no sleeping)."""
        for _ in range(5):
            await asyncio.sleep(0)  # let Bolt's listener futures reach their spawn()
        assert await self.adapter.bot.drain(timeout=30), "Slack work did not finish"

    async def close(self) -> None:
        await self.session.close()
        await self.web_runner.cleanup()
        self.runtime.close()


def make_settings(
    tmp_path: Path, fake: FakeSlackApi, *, app_token: str | None = None, **bot: Any
) -> Settings:
    """HTTP mode, or Socket Mode when ``app_token`` is given. Rate limits are off unless a
    test sets them: these tests send many requests from one person."""
    bot.setdefault("rate_user_capacity", 0)
    bot.setdefault("rate_backend_per_hour", 0)
    return Settings(
        bot=TicketbotSettings(database_url=f"sqlite:///{tmp_path / 'ticketbot.db'}", **bot),
        slack=SlackSettings(
            bot_token=BOT_TOKEN,
            signing_secret=None if app_token else SECRET,
            app_token=app_token,
            api_url=fake.api_url,
        ),
        llm=LlmSettings(
            openai_api_key=None,
            openai_base_url=None,
            azure_openai_endpoint=None,
            azure_openai_api_key=None,
        ),
    )


def make_runtime(
    settings: Settings,
    *,
    script: Mapping[str, Classification] | None = None,
    ticketing: TicketingSystem | None = None,
) -> tuple[Runtime, LocalDesk, ScriptedClassifier]:
    """The server's own composition, with a scripted classifier (and maybe another backend).

    The returned desk shares the runtime's database, for setting up and checking tickets.
    """
    runtime = build_runtime(settings, clock=now_utc)
    classifier = ScriptedClassifier(dict(script or {}))
    runtime.assistant.classifier = classifier
    runtime.classifier = classifier
    if ticketing is not None:
        runtime.assistant.ticketing = ticketing
        runtime.ticketing = ticketing
    return runtime, LocalDesk(runtime.database, clock=now_utc), classifier


async def start_harness(
    tmp_path: Path,
    fake: FakeSlackApi,
    *,
    script: Mapping[str, Classification] | None = None,
    ticketing: TicketingSystem | None = None,
    app_token: str | None = None,
    **bot: Any,
) -> SlackHarness:
    settings = make_settings(tmp_path, fake, app_token=app_token, **bot)
    return await serve(settings, fake, script=script, ticketing=ticketing)


async def serve(
    settings: Settings,
    fake: FakeSlackApi,
    *,
    script: Mapping[str, Classification] | None = None,
    ticketing: TicketingSystem | None = None,
) -> SlackHarness:
    """The server ``ticketbot serve`` builds from ``settings``, listening on loopback."""
    runtime, desk, classifier = make_runtime(settings, script=script, ticketing=ticketing)
    app = build_web_app(runtime)  # default mounts: Slack HTTP mode from the settings
    web_runner, port = await start_app(app)
    harness = SlackHarness(
        fake=fake,
        runtime=runtime,
        desk=desk,
        classifier=classifier,
        session=aiohttp.ClientSession(),
        base_url=f"http://127.0.0.1:{port}",
        web_runner=web_runner,
        app=app,
    )
    count_core_calls(runtime.assistant, harness.core_calls)
    return harness


# -- reading what the bot sent ------------------------------------------------------------------


def buttons(blocks: list[dict[str, Any]] | None) -> list[tuple[dict[str, Any], str]]:
    """Every button in ``blocks`` with the id of the block it sits in."""
    found: list[tuple[dict[str, Any], str]] = []
    for block in blocks or []:
        if block.get("type") == "actions":
            found.extend((element, block["block_id"]) for element in block["elements"])
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found.append((accessory, block.get("block_id", "")))
    return found


def button(blocks: list[dict[str, Any]] | None, action_id: str) -> tuple[dict[str, Any], str]:
    """The button whose action id is ``action_id`` (ours) or starts with ``action_id~`` (a
    core action)."""
    for element, block_id in buttons(blocks):
        if element["action_id"] == action_id or element["action_id"].startswith(action_id + "~"):
            return element, block_id
    raise AssertionError(f"no button {action_id} in {blocks}")


def block_texts(blocks: list[dict[str, Any]] | None) -> str:
    """All text in ``blocks``, for assertions on what the person sees."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                parts.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return "\n".join(parts)
