"""Teams' ``POST /api/messages`` on the server's aiohttp application."""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from botbuilder.core import Bot
from botbuilder.schema import Activity

from bots.gateway import RunnerGateway
from bots.teams.app import TEAMS_ADAPTER_KEY, TeamsAdapter, build_teams_adapter

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount`: Teams at ``/api/messages``. With ``MICROSOFT_APP_ID`` set,
    requests must carry the Bot Framework's token (401 otherwise); without it, local mode."""
    settings = runtime.settings.teams
    try:
        teams = build_teams_adapter(
            settings,
            RunnerGateway(runtime, runner),
            clock=runtime.clock,
            attachment_policy=runtime.attachment_policy,
        )
    except ValueError as exc:
        raise SystemExit(f"{exc}. `ticketbot config` lists what is missing.") from exc
    if teams.local:
        log.warning(
            "Teams endpoint %s in local mode: MICROSOFT_APP_ID is not set, so requests are not "
            "authenticated and only a loopback serviceUrl is answered (Bot Framework Emulator, "
            "tests). Production needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD.",
            MESSAGES_PATH,
        )
    add_routes(app, teams, shutdown_timeout=runtime.settings.bot.shutdown_timeout_seconds)


def add_routes(
    app: web.Application, teams: TeamsAdapter, *, shutdown_timeout: float = 20.0
) -> None:
    """Route ``POST /api/messages`` to ``teams``; on shutdown wait for its work in flight."""

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body: Any = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("Teams request refused: body is not JSON")
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(body, dict) or not body.get("type") or not _readable(body):
            log.warning("Teams request refused: not an activity")
            return web.json_response({"error": "not an activity"}, status=400)
        if teams.local and not is_loopback(str(body.get("serviceUrl") or "")):
            # Unauthenticated mode must not post (or look people up) anywhere a caller names.
            log.warning(
                "Teams request refused in local mode: serviceUrl is not a loopback address; "
                "set MICROSOFT_APP_ID for production"
            )
            return web.json_response({"error": "local mode answers loopback only"}, status=403)
        bot: Bot = teams.bot
        try:
            response = await teams.adapter.process(request, bot)
        except jwt.InvalidTokenError as exc:
            # The SDK lets a token that isn't even a JWT escape as a server error.
            log.warning("Teams request refused: malformed token (%s)", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        return response if response is not None else web.Response(status=200)

    async def finish(_: web.Application) -> None:
        await teams.aclose(shutdown_timeout)

    app[TEAMS_ADAPTER_KEY] = teams
    app.router.add_post(MESSAGES_PATH, messages)
    app.on_shutdown.append(finish)


def _readable(body: dict[str, Any]) -> bool:
    """The SDK can read it as an activity (it would answer a malformed one with a 500)."""
    try:
        Activity().deserialize(body)
    except ValueError as exc:  # msrest's DeserializationError is a ValueError
        log.info("unreadable activity: %s", str(exc)[:200])
        return False
    return True


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
