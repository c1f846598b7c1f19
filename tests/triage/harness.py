"""The real server with a triage channel: Slack (signed requests through Bolt) or Teams
(activities through botbuilder) on loopback fakes, on the local desk or the loopback Autotask
tenant, built by the composition root from settings as ``ticketbot serve`` builds it."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bots.slack.packing import Stash, unpack
from bots.triage.job import TriageJob
from bots.triage.mount import TRIAGE_JOB_KEY
from core.settings import AutotaskSettings, Settings
from tests.fakes.autotask_server import FakeAutotask
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi
from tests.slack.harness import SlackHarness
from tests.slack.harness import make_settings as slack_settings
from tests.slack.harness import serve as serve_slack
from tests.teams.harness import TeamsHarness
from tests.teams.harness import make_settings as teams_settings
from tests.teams.harness import serve as serve_teams

TRIAGE = "CTRIAGE01"
TEAMS_TRIAGE = "19:triage@thread.tacv2"
TESS = "UTESS001"  # a technician, in Slack
_ids = itertools.count(1)


def autotask_settings(fake: FakeAutotask) -> AutotaskSettings:
    return AutotaskSettings(
        _env_file=None,
        username=fake.username,
        secret=fake.secret,
        integration_code=fake.integration_code,
        zone_lookup_url=fake.zone_lookup_url,
        default_queue_id=29683354,
        timeout_seconds=5.0,
    )


def _on_autotask(settings: Settings, autotask: FakeAutotask | None) -> Settings:
    if autotask is None:
        return settings
    return settings.model_copy(
        update={
            "bot": settings.bot.model_copy(update={"backend": "autotask"}),
            "autotask": autotask_settings(autotask),
        }
    )


async def start_slack(
    tmp_path: Path,
    fake: FakeSlackApi,
    *,
    autotask: FakeAutotask | None = None,
    **bot: Any,
) -> SlackHarness:
    """The Slack server with ``TICKETBOT_TRIAGE_SLACK_CHANNEL`` set (and Autotask as the
    backend when ``autotask`` is given)."""
    bot.setdefault("triage_slack_channel", TRIAGE)
    bot.setdefault("updates_coalesce_seconds", 0)
    bot.setdefault("updates_poll_seconds", 0)
    return await serve_slack(_on_autotask(slack_settings(tmp_path, fake, **bot), autotask), fake)


async def start_teams(
    tmp_path: Path,
    fake: FakeBotConnector,
    *,
    autotask: FakeAutotask | None = None,
    **bot: Any,
) -> TeamsHarness:
    """The Teams server (local mode) with ``TICKETBOT_TRIAGE_TEAMS_CHANNEL`` set; the channel
    is reached through the fake connector's service URL."""
    bot.setdefault("triage_teams_channel", TEAMS_TRIAGE)
    bot.setdefault("triage_teams_service_url", fake.service_url)
    bot.setdefault("updates_coalesce_seconds", 0)
    bot.setdefault("updates_poll_seconds", 0)
    return await serve_teams(_on_autotask(teams_settings(tmp_path, **bot), autotask), fake)


def triage_job(harness: SlackHarness | TeamsHarness) -> TriageJob:
    return harness.app[TRIAGE_JOB_KEY]


# -- Slack: what the triage channel shows and how a technician clicks it ----------------------


def card_elements(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The card's buttons and select menus by the core's action id."""
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        if block.get("type") != "actions":
            continue
        for element in block["elements"]:
            found[str(element["action_id"]).split("~")[0]] = {
                **element,
                "block_id": block["block_id"],
            }
    return found


def pick(element: Mapping[str, Any], choice: str) -> dict[str, Any]:
    """The option of a select menu whose value carries ``choice``."""
    for option in element["options"]:
        if choice in unpack(option["value"], Stash()).values.values():
            return dict(option)
    raise AssertionError(f"no option {choice!r} in {element['action_id']}")


def channel_click(
    element: Mapping[str, Any],
    *,
    message_ts: str,
    user: str = TESS,
    option: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    channel: str = TRIAGE,
) -> dict[str, Any]:
    """A ``block_actions`` payload: ``user`` clicked a button (or chose ``option`` in a select
    menu) of the card posted in the triage channel as ``message_ts``."""
    clicked: dict[str, Any] = {
        "type": "static_select" if option is not None else "button",
        "action_id": element["action_id"],
        "block_id": element["block_id"],
        "action_ts": f"{time.time():.6f}",
    }
    if option is not None:
        clicked["selected_option"] = dict(option)
        clicked["placeholder"] = element.get("placeholder")
    else:
        clicked["text"] = element["text"]
        clicked["value"] = element["value"]
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "tess", "team_id": TEAM_ID},
        "api_app_id": "A0000001",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or f"trig.triage.{next(_ids)}",
        "team": {"id": TEAM_ID, "domain": "example"},
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "channel": {"id": channel, "name": "triage"},
        "message": {"type": "message", "ts": message_ts, "text": "…", "user": "UBOT0001"},
        "actions": [clicked],
    }


def posted_blocks(call: Any) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks or [])


def slack_fields(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """The card's fields as Slack shows them (``*Label*\\nvalue``), by label."""
    found: dict[str, str] = {}
    for block in blocks:
        for field_ in block.get("fields") or []:
            label, _, value = str(field_.get("text", "")).partition("\n")
            found[label.strip("*")] = value
    return found


def teams_facts(card: Mapping[str, Any]) -> dict[str, str]:
    """The card's facts as Teams shows them, by title."""
    return {
        str(fact["title"]): str(fact["value"])
        for element in card.get("body", [])
        if element.get("type") == "FactSet"
        for fact in element["facts"]
    }
