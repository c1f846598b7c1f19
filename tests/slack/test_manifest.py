"""``manifest.yaml`` declares exactly what the code handles: commands, events, shortcuts and the
scopes of the Web API methods the code calls (read from the source, not a copy), and it stays
within what Slack accepts (``slack_manifest.schema.json``: every field's length and values)."""

from __future__ import annotations

import ast
import copy
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

import bots.slack
from bots.slack import files, users
from bots.slack.http import EVENTS_PATH
from bots.slack.listeners import LISTENERS
from tests.slack.harness import (
    channel_message,
    command_form,
    dm_event,
    event_body,
    mention_event,
    message_action,
)
from tests.slack.manifest_schema import load_schema, problems

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))

# Slack's documentation: the bot scope each Web API method, event and feature needs.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.open": {"im:write"},
    # the lookups after a crash (triage cards, answers): public and private channels, DMs
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    "files.info": {"files:read"},
    "users.info": {"users:read"},
    "views.open": set(),
    "views.publish": set(),
}
EVENT_SCOPES: dict[str, set[str]] = {
    "app_mention": {"app_mentions:read"},
    "message.im": {"im:history"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "app_home_opened": set(),
}
COMMAND_SCOPE = {"commands"}  # slash commands and shortcuts alike


def code_listeners(kind: str) -> set[str]:
    return {name for entry in LISTENERS if entry.kind == kind for name in entry.manifest}


def web_api_methods_called() -> set[str]:
    """Every ``AsyncWebClient`` method the adapter's source calls, as Slack method names."""
    package = Path(inspect.getfile(bots.slack)).parent
    called: set[str] = set()
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if "_" in name and not name.startswith("_") and hasattr(AsyncWebClient, name):
                    called.add(name.replace("_", "."))
    return called


def code_scopes() -> set[str]:
    scopes: set[str] = set()
    for method in web_api_methods_called():
        assert method in METHOD_SCOPES, f"add {method} to METHOD_SCOPES (from Slack's docs)"
        scopes |= METHOD_SCOPES[method]
    if "users.info" in web_api_methods_called() and '"email"' in inspect.getsource(users):
        scopes.add("users:read.email")  # the profile's e-mail is only there with this scope
    if "url_private" in inspect.getsource(files):
        scopes.add("files:read")  # downloading a shared file with the bot token needs it
    for event in code_listeners("event"):
        scopes |= EVENT_SCOPES[event]
    if code_listeners("command") or code_listeners("shortcut"):
        scopes |= COMMAND_SCOPE
    return scopes


def test_the_manifest_is_within_slacks_limits() -> None:
    assert problems(MANIFEST, load_schema()) == []


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = manifest
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (_set("display_information.name", "n" * 36), "at most 35"),
        (_set("display_information.description", "d" * 141), "at most 140"),
        (_set("display_information.long_description", "l" * 174), "at least 175"),
        (_set("display_information.long_description", "l" * 4001), "at most 4000"),
        (_set("display_information.background_color", "blue"), "does not match"),
        (_set("display_information.background_color", "#12345g"), "does not match"),
        (_set("features.bot_user.display_name", "b" * 81), "at most 80"),
        (_set("features.slash_commands.0.command", "/Ticket"), "does not match"),
        (_set("features.slash_commands.0.command", "/" + "t" * 32), "at most 32"),
        (_set("features.slash_commands.0.description", "d" * 2001), "at most 2000"),
        (_set("features.slash_commands.0.usage_hint", "u" * 1001), "at most 1000"),
        (_set("features.shortcuts.0.name", "Create ticket from message"), "at most 24"),
        (_set("features.shortcuts.0.callback_id", "c" * 256), "at most 255"),
        (_set("features.shortcuts.0.description", "d" * 151), "at most 150"),
        (_set("features.shortcuts.0.type", "menu"), "not one of"),
        (_set("oauth_config.scopes.bot.0", "chat:write:bot"), "not one of"),
        (_set("settings.event_subscriptions.bot_events.0", "message.everything"), "not one of"),
        (_set("settings.interactivity.is_enabled", "yes"), "expected boolean"),
        (_set("settings.socket_mode", True), "not a field"),
        (lambda m: m["features"]["shortcuts"][0].pop("description"), "is required"),
    ],
)
def test_the_limits_check_catches_what_slack_rejects(
    change: Callable[[dict[str, Any]], object], complaint: str
) -> None:
    """The guard of the test above: each of Slack's limits, broken once, is reported."""
    broken = copy.deepcopy(MANIFEST)
    change(broken)

    found = problems(broken, load_schema())

    assert len(found) == 1 and complaint in found[0], found


def test_the_code_calls_the_methods_we_expect() -> None:
    # A guard on the source scan itself: if it found nothing, the scope test would be empty.
    assert {"chat.postMessage", "chat.update", "views.open", "users.info"} <= (
        web_api_methods_called()
    )


def test_commands_match() -> None:
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == code_listeners("command")


def test_events_match() -> None:
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert declared == code_listeners("event")


def test_shortcuts_match() -> None:
    declared = {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]}
    assert declared == code_listeners("shortcut")
    assert {s["type"] for s in MANIFEST["features"]["shortcuts"]} == {"message"}


def test_scopes_match() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == code_scopes()


def test_every_url_is_the_events_endpoint_and_the_features_are_on() -> None:
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls.append(MANIFEST["settings"]["event_subscriptions"]["request_url"])
    urls.append(MANIFEST["settings"]["interactivity"]["request_url"])
    assert {urlsplit(url).path for url in urls} == {EVENTS_PATH}
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True  # message.im needs the Messages tab
    assert home["messages_tab_read_only_enabled"] is False
    assert MANIFEST["features"]["bot_user"]["display_name"]


@pytest.mark.anyio
async def test_everything_the_manifest_subscribes_to_is_handled(make_slack) -> None:
    """Bolt answers 404 to a request no listener takes: each manifest entry must get 200."""
    slack = await make_slack()
    requests: list[tuple[str, str]] = []
    samples: dict[str, dict[str, Any]] = {
        "message.im": dm_event("hello"),
        "message.channels": channel_message("hello", thread_ts="1700000000.000100"),
        "message.groups": channel_message(
            "hello", thread_ts="1700000000.000100", channel="GPRIVATE1", channel_type="group"
        ),
        "app_mention": mention_event("<@UBOT0001> hello"),
        "app_home_opened": {"type": "app_home_opened", "user": "UALICE01", "tab": "home"},
    }
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        requests.append((json.dumps(event_body(samples[event])), "application/json"))
    for command in MANIFEST["features"]["slash_commands"]:
        form = command_form("help", response_url=slack.fake.response_url())
        form["command"] = command["command"]
        requests.append((urlencode(form), "application/x-www-form-urlencoded"))
    for shortcut in MANIFEST["features"]["shortcuts"]:
        payload = message_action("hello", response_url=slack.fake.response_url())
        payload["callback_id"] = shortcut["callback_id"]
        requests.append(
            (urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
        )

    statuses = [(await slack.post(body, content_type=kind)).status for body, kind in requests]
    await slack.settle()

    assert statuses == [200] * len(requests)
    unhandled = json.dumps(event_body({"type": "reaction_added", "user": "UALICE01"}))
    assert (await slack.post(unhandled, content_type="application/json")).status == 404


@pytest.mark.anyio
async def test_slacks_url_verification_of_the_request_url_is_answered(make_slack) -> None:
    slack = await make_slack()
    body = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})

    reply = await slack.post(body, content_type="application/json")

    assert reply.status == 200
    assert json.loads(reply.text) == {"challenge": "c-123"}
    assert slack.core_calls == []


def test_listeners_are_registered_as_the_methods_themselves() -> None:
    """No method names in strings: a renamed handler fails at import, not at the first request."""
    assert all(
        callable(entry.handler) and entry.handler.__qualname__.startswith("SlackListeners.on_")
        for entry in LISTENERS
    )
