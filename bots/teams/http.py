"""Teams' ``POST /api/messages`` on the server's aiohttp application."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt
import requests
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from botbuilder.core import Bot
from multidict import CIMultiDict

from bots.background import shutdown_budget
from bots.gateway import RunnerGateway
from bots.teams import shape
from bots.teams.app import TEAMS_ADAPTER_KEY, TeamsAdapter, build_teams_adapter
from bots.teams.errors import NotKept

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"
AUTHORIZATION = "Authorization"
# "Bearer <JWT>": a scheme, a space and base64url parts; printable ASCII is all a header holds.
_TOKEN_CHARS = re.compile(r"[\x21-\x7e][\x20-\x7e]*")
# A plain http(s) URL with a host name or address, an optional port and a plain path: no user
# info, backslash, query, fragment or percent-encoding, nothing two URL parsers could read as
# two different hosts.
_PLAIN_URL = re.compile(
    r"https?://(?:(?P<name>[A-Za-z0-9.-]+)|\[(?P<ipv6>[0-9A-Fa-f:]+)\])"
    r"(?::(?P<port>[0-9]{1,5}))?(?:/[A-Za-z0-9._~/-]*)?"
)


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount`: Teams at ``/api/messages``. With ``MICROSOFT_APP_ID`` set,
    requests must carry the Bot Framework's token (401 otherwise); without it, every request
    gets 401 unless ``TEAMS_LOCAL_MODE`` is on."""
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
    if runner.durable is not None:  # what a process that died left half done
        runner.durable.deliverers["teams"] = teams.bot.deliver_stored
        runner.durable.preparers["teams"] = teams.bot.prepare_stored
    if teams.auth == "local":
        log.warning(
            "Teams endpoint %s in local mode (TEAMS_LOCAL_MODE): requests are not "
            "authenticated and only a loopback serviceUrl is answered (Bot Framework Emulator, "
            "tests). Production needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD.",
            MESSAGES_PATH,
        )
    elif teams.auth == "off":
        log.info(
            "Teams is off: MICROSOFT_APP_ID is not set, so %s answers every request with 401",
            MESSAGES_PATH,
        )
    add_routes(app, teams, shutdown_timeout=runtime.settings.bot.shutdown_timeout_seconds)


def add_routes(
    app: web.Application, teams: TeamsAdapter, *, shutdown_timeout: float = 20.0
) -> None:
    """Route ``POST /api/messages`` to ``teams``; on shutdown wait for its work in flight."""

    async def messages(request: web.Request) -> web.StreamResponse:
        if teams.auth == "off":
            # Nothing to authenticate against: a Slack-only deployment exposes no Teams bot.
            log.warning(
                "Teams request refused: MICROSOFT_APP_ID is not set and TEAMS_LOCAL_MODE is off"
            )
            return web.json_response({"error": "unauthorized"}, status=401)
        authorization = request.headers.get(AUTHORIZATION)
        if teams.auth == "local" and authorization is not None:
            # Local mode authenticates nothing; a token would only make the SDK fetch the Bot
            # Framework's signing keys from the internet (and fail with a 500 offline).
            request = request.clone(headers=_without(request.headers, AUTHORIZATION))
        elif authorization is not None and not _TOKEN_CHARS.fullmatch(authorization):
            # The SDK fails with a 500 on a header it cannot encode (non-ASCII, say).
            log.warning("Teams request refused: malformed Authorization header")
            return web.json_response({"error": "unauthorized"}, status=401)
        if "application/json" not in request.headers.get("Content-Type", ""):
            log.warning("Teams request refused: Content-Type is not application/json")
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body: Any = await request.json()
        except (
            json.JSONDecodeError,
            UnicodeDecodeError,
            LookupError,
            RecursionError,
            RequestPayloadError,
        ) as exc:
            # LookupError: a charset Python doesn't know; RecursionError: nesting too deep;
            # RequestPayloadError: a body that cannot be read as sent (gzip that isn't).
            log.warning("Teams request refused: body is not JSON (%s)", type(exc).__name__)
            return web.json_response({"error": "body is not JSON"}, status=400)
        found = shape.problem(body)
        if found is not None:
            log.warning("Teams request refused: not an activity (%s)", found)
            return web.json_response({"error": "not an activity"}, status=400)
        if teams.auth == "local" and not is_loopback(body.get("serviceUrl")):
            # Unauthenticated mode must not post (or look people up) anywhere a caller names.
            log.warning(
                "Teams request refused in local mode: serviceUrl is not a loopback address; "
                "set MICROSOFT_APP_ID for production"
            )
            return web.json_response({"error": "local mode answers loopback only"}, status=403)
        bot: Bot = teams.bot
        try:
            response = await teams.adapter.process(request, bot)
        except NotKept as exc:
            log.error("Teams message not kept, answered 503 to be delivered again: %s", exc)
            return web.json_response({"error": "try again"}, status=503)
        except web.HTTPUnauthorized:
            # The SDK refuses a missing or wrong token by raising this, and logs nothing.
            log.warning("Teams request refused: no valid Bot Framework token")
            return web.json_response({"error": "unauthorized"}, status=401)
        except jwt.InvalidTokenError as exc:
            # The SDK lets a token that isn't even a JWT escape as a server error.
            log.warning("Teams request refused: malformed token (%s)", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        except (requests.RequestException, OSError) as exc:
            # The Bot Framework's signing keys could not be fetched: nothing can be checked.
            log.error(
                "Teams request not checked: the Bot Framework's signing keys could not be "
                "read (%s)",
                type(exc).__name__,
            )
            return web.json_response({"error": "authentication unavailable"}, status=503)
        return response if response is not None else web.Response(status=200)

    async def finish(_: web.Application) -> None:
        await teams.aclose(shutdown_budget(app, shutdown_timeout))

    app[TEAMS_ADAPTER_KEY] = teams
    app.router.add_post(MESSAGES_PATH, messages)
    app.on_shutdown.append(finish)


def _without(headers: Mapping[str, str], name: str) -> CIMultiDict[str]:
    kept: CIMultiDict[str] = CIMultiDict(headers)
    kept.popall(name, None)
    return kept


def is_loopback(url: object) -> bool:
    """``url`` is a plain ``http(s)://`` URL of this machine (``localhost``, 127.0.0.0/8 or
    ``[::1]``) with an optional port and path, and nothing else a connector could resolve
    differently (``http://127.0.0.1:1\\@127.0.0.1:2/`` is refused: Python's ``urlsplit`` reads
    the host after the ``@``, the Bot Connector client connects to the one before the ``\\``)."""
    if not isinstance(url, str):
        return False
    match = _PLAIN_URL.fullmatch(url)
    if match is None:
        return False
    port = match["port"]
    if port is not None and not 0 < int(port) < 65536:
        return False
    name, ipv6 = match["name"], match["ipv6"]
    try:
        if ipv6 is not None:
            return ipaddress.IPv6Address(ipv6) == ipaddress.IPv6Address("::1")
        if name.lower() == "localhost":
            return True
        return ipaddress.IPv4Address(name).is_loopback
    except ValueError:
        return False
