"""``ticketbot config``: the effective settings (environment and ``.env``) with secrets masked,
and the settings that contradict each other. Exits 1 when something cannot work."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, SecretStr

from bots.cli import Subcommand, no_arguments
from core.settings import Settings, load_settings

MASK = "******** (set)"
UNSET = "(not set)"


@dataclass(frozen=True)
class Row:
    section: str
    name: str  # the environment variable
    value: str  # masked where secret
    source: Literal["env", "default"]


@dataclass(frozen=True)
class Problem:
    level: Literal["error", "warning"]
    text: str


def rows(settings: Settings) -> Iterator[Row]:
    """Every setting by its environment variable name, secrets masked."""
    for section_name in type(settings).model_fields:
        section = getattr(settings, section_name)
        if not isinstance(section, BaseModel):
            continue
        prefix = str(section.model_config.get("env_prefix", ""))
        for field in type(section).model_fields:
            value = getattr(section, field)
            yield Row(
                section_name,
                f"{prefix}{field}".upper(),
                _display(field, value),
                "env" if field in section.model_fields_set else "default",
            )


def _display(field: str, value: object) -> str:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else UNSET
    if value is None or value == "":
        return UNSET
    if field == "database_url" and isinstance(value, str):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(value).render_as_string(hide_password=True)
        except ArgumentError:
            return "(not a database URL)"  # shown masked: it may hold a password
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return ",".join(value)  # as it is written in the environment
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _set(value: SecretStr | str | None) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)


def problems(settings: Settings) -> list[Problem]:
    """Settings that contradict each other or cannot work."""
    found = [*_slack(settings), *_backend(settings), *_teams(settings), *_llm(settings)]
    return found + list(_bot(settings))


def _slack(settings: Settings) -> Iterator[Problem]:
    slack = settings.slack
    bot, secret, app = _set(slack.bot_token), _set(slack.signing_secret), _set(slack.app_token)
    if app and not bot:
        yield Problem(
            "error",
            "SLACK_APP_TOKEN is set (Socket Mode) but SLACK_BOT_TOKEN is not: Slack is off.",
        )
    if secret and not bot:
        yield Problem(
            "error", "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: Slack is off."
        )
    if bot and not (secret or app):
        yield Problem(
            "error",
            "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor "
            "SLACK_APP_TOKEN (Socket Mode): Slack is off.",
        )
    if app and secret and bot:
        yield Problem(
            "warning",
            "Both SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are set: Socket Mode is used and "
            "/slack/events is not served.",
        )
    if slack.app_token and not slack.app_token.get_secret_value().startswith("xapp-"):
        yield Problem("warning", "SLACK_APP_TOKEN should be an app-level token (xapp-…).")
    if slack.bot_token and not slack.bot_token.get_secret_value().startswith("xoxb-"):
        yield Problem("warning", "SLACK_BOT_TOKEN should be a bot token (xoxb-…).")


def _backend(settings: Settings) -> Iterator[Problem]:
    backend = settings.bot.backend
    if backend == "autotask" and settings.autotask.missing:
        yield Problem(
            "error", f"TICKETBOT_BACKEND=autotask needs {', '.join(settings.autotask.missing)}."
        )
    if backend == "waystone" and settings.waystone.missing:
        yield Problem(
            "error", f"TICKETBOT_BACKEND=waystone needs {', '.join(settings.waystone.missing)}."
        )
    if backend != "autotask" and settings.autotask.configured:
        yield Problem(
            "warning", f"AUTOTASK_* credentials are set but TICKETBOT_BACKEND={backend}: unused."
        )
    if backend != "waystone" and not settings.waystone.missing:
        yield Problem(
            "warning", f"WAYSTONE_* settings are set but TICKETBOT_BACKEND={backend}: unused."
        )


def _teams(settings: Settings) -> Iterator[Problem]:
    teams = settings.teams
    app_id, password = bool(teams.microsoft_app_id), _set(teams.microsoft_app_password)
    chosen = app_id or "microsoft_app_type" in teams.model_fields_set
    if teams.microsoft_app_type == "SingleTenant" and not teams.microsoft_app_tenant_id and chosen:
        # SingleTenant is the default (what Azure issues): without the tenant no reply goes out.
        yield Problem("error", "MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID.")
    if teams.teams_local_mode and app_id:
        yield Problem(
            "warning", "TEAMS_LOCAL_MODE is ignored: MICROSOFT_APP_ID is set, tokens are checked."
        )
    elif teams.teams_local_mode:
        yield Problem(
            "warning",
            "TEAMS_LOCAL_MODE is on: /api/messages answers unauthenticated requests from a "
            "loopback serviceUrl (Bot Framework Emulator, tests), never for production.",
        )
    if teams.microsoft_app_type == "UserAssignedMSI" and not app_id:
        yield Problem(
            "error", "MICROSOFT_APP_TYPE=UserAssignedMSI needs MICROSOFT_APP_ID (the identity)."
        )
    if app_id and not password and teams.microsoft_app_type != "UserAssignedMSI":
        yield Problem(
            "error",
            "MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not: Teams can't authenticate.",
        )
    if password and not app_id:
        yield Problem("error", "MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not.")


def _llm(settings: Settings) -> Iterator[Problem]:
    llm = settings.llm
    if "ticketbot_llm_model" in llm.model_fields_set and not llm.configured:
        yield Problem(
            "warning",
            "TICKETBOT_LLM_MODEL is set but no OPENAI_API_KEY, OPENAI_BASE_URL or Azure "
            "endpoint and key: the offline classifier is used.",
        )
    if llm.azure_openai_endpoint and not _set(llm.azure_openai_api_key):
        yield Problem("error", "AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not.")
    if _set(llm.azure_openai_api_key) and not llm.azure_openai_endpoint:
        yield Problem("error", "AZURE_OPENAI_API_KEY is set but AZURE_OPENAI_ENDPOINT is not.")


def _bot(settings: Settings) -> Iterator[Problem]:
    from bots.composition import check_database_url
    from bots.errors import ConfigurationError

    bot = settings.bot
    try:
        check_database_url(bot.database_url)
    except ConfigurationError as exc:
        yield Problem("error", str(exc))
    if bot.history_retention_days == 0:
        yield Problem(
            "warning",
            "TICKETBOT_HISTORY_RETENTION_DAYS=0: every start-up deletes all conversation history.",
        )
    if not Path(bot.knowledge_file).is_file():
        yield Problem("error", f"TICKETBOT_KNOWLEDGE_FILE {bot.knowledge_file} does not exist.")
    if bot.log_level.upper() not in logging.getLevelNamesMapping():
        yield Problem("warning", f"TICKETBOT_LOG_LEVEL={bot.log_level} is not a level: INFO used.")
    for email in bot.staff_emails:
        if "@" not in email:
            yield Problem("warning", f"TICKETBOT_STAFF_EMAILS has {email!r}, not an e-mail.")
    if bot.rate_user_capacity > 0 and bot.rate_user_per_minute <= 0:
        yield Problem(
            "error",
            "TICKETBOT_RATE_USER_PER_MINUTE must be above 0 (or TICKETBOT_RATE_USER_CAPACITY=0 "
            "to turn the limit off): people would never get tokens back.",
        )
    if 0 < bot.rate_user_capacity < bot.rate_write_cost:
        yield Problem(
            "warning",
            "TICKETBOT_RATE_WRITE_COST is above TICKETBOT_RATE_USER_CAPACITY: a write takes "
            "the whole bucket.",
        )
    if bot.workers < 1:
        yield Problem("error", "TICKETBOT_WORKERS must be at least 1.")
    if bot.shutdown_timeout_seconds <= 0:
        yield Problem(
            "warning", "TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS <= 0: replies in flight are cut off."
        )


def render(settings: Settings) -> tuple[str, list[Problem]]:
    lines = ["ticketbot configuration (environment and .env; secrets masked)"]
    width = max(len(row.name) for row in rows(settings))
    section = ""
    for row in rows(settings):
        if row.section != section:
            section = row.section
            lines.append(f"\n[{section}]")
        source = "" if row.source == "default" else "  [env]"
        lines.append(f"  {row.name.ljust(width)}  {row.value}{source}")
    found = problems(settings)
    lines.append("")
    if found:
        lines.append("Problems:")
        lines.extend(f"  {p.level}: {p.text}" for p in found)
    else:
        lines.append("No contradictions found.")
    return "\n".join(lines), found


def run(args: argparse.Namespace) -> int:
    settings = load_settings()  # invalid settings are reported by the CLI's main()
    text, found = render(settings)
    print(text)
    return 1 if any(p.level == "error" for p in found) else 0


COMMAND = Subcommand(
    "config", "print the effective settings (secrets masked) and contradictions", no_arguments, run
)
