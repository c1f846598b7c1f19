"""HTTP mode: Slack's ``POST /slack/events`` on the server's aiohttp application."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bots.background import shutdown_budget
from bots.gateway import RunnerGateway
from bots.slack.app import (
    SLACK_ADAPTER_KEY,
    SlackAdapter,
    build_slack_adapter,
    database_stash,
)
from bots.slack.destination import PLATFORM

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
# Unix seconds in ASCII digits: str.isdigit() and int() also take other scripts' digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount`: Slack's events, commands and interactivity at
    ``/slack/events``. The signature is checked before anything reads the body: a missing, bad
    or stale one gets 401; a signed body that is not a payload Slack sends gets 400."""
    adapter = build_slack_adapter(
        runtime.settings,
        RunnerGateway(runtime, runner),
        clock=runtime.clock,
        stash=database_stash(runtime.database, runtime.clock),
    )
    add_routes(app, adapter, shutdown_timeout=runtime.settings.bot.shutdown_timeout_seconds)
    if runner.durable is not None:  # what a process that died left half done
        runner.durable.deliverers[PLATFORM] = adapter.bot.deliver_stored
        runner.durable.preparers[PLATFORM] = adapter.bot.prepare_stored


def add_routes(
    app: web.Application, adapter: SlackAdapter, *, shutdown_timeout: float = 20.0
) -> None:
    """Route ``POST /slack/events`` to ``adapter``; on shutdown wait for its work in flight."""

    async def slack_events(request: web.Request) -> web.Response:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("Slack request refused: body over %d bytes", request.client_max_size)
            return web.json_response({"error": "request body too large"}, status=413)
        except RequestPayloadError as exc:
            # A body that cannot be read as sent (Content-Encoding: gzip that is not gzip).
            log.warning("Slack request refused: unreadable body (%s)", _first_line(exc))
            return web.json_response({"error": "unreadable body"}, status=400)
        refusal = _unauthenticated(raw, request.headers, adapter)
        if refusal is not None:
            log.warning("Slack request refused: %s", refusal)
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_request = _bolt_request(raw, request)
        if bolt_request is None:
            return web.json_response({"error": "invalid request body"}, status=400)
        bolt_response = await adapter.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def connect(_: web.Application) -> None:
        await adapter.open_connections()

    async def finish(_: web.Application) -> None:
        await adapter.aclose(shutdown_budget(app, shutdown_timeout))

    async def disconnect(_: web.Application) -> None:
        await adapter.close_connections()

    app[SLACK_ADAPTER_KEY] = adapter
    app.router.add_post(EVENTS_PATH, slack_events)
    app.on_startup.append(connect)
    app.on_shutdown.append(finish)
    app.on_cleanup.append(disconnect)


def _first_line(exc: Exception) -> str:
    """aiohttp's message for a body it could not read spans several lines; its first will do."""
    return " ".join(str(exc).split())[:120]


def _unauthenticated(raw: bytes, headers: Mapping[str, str], adapter: SlackAdapter) -> str | None:
    """Why the request is not signed by Slack, or ``None`` when it is.

    Checked here, before anything parses the body: Bolt parses first (a deeply nested body
    then fails with a 500) and its verifier fails on timestamps ``int()`` cannot turn into a
    float or reads at all (``"1" * 400``, ``"²"``)."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if timestamp is None or signature is None:
        return "no signature"
    if not _TIMESTAMP.fullmatch(timestamp):
        return f"malformed {TIMESTAMP_HEADER} header"
    if adapter.verifier is None:
        return "no signing secret configured"
    try:
        valid = adapter.verifier.is_valid(raw.decode("utf-8"), timestamp, signature)
    except UnicodeDecodeError:
        return "body is not UTF-8"
    return None if valid else "invalid or stale signature"


def _bolt_request(raw: bytes, request: web.Request) -> AsyncBoltRequest | None:
    """The (signed) request as Bolt reads it, or ``None`` when its body cannot be read that way.

    Bolt parses the body (JSON, or a form whose ``payload`` is JSON, expected to be an object)
    and fails with a 500 on anything else: such a body is a bad request."""
    text = raw.decode("utf-8")
    try:
        bolt_request = AsyncBoltRequest(
            body=text,
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # ValueError covers bodies that are not JSON; RecursionError, JSON nested too deeply
        # to parse; the others, JSON that is not the object Bolt reads fields from.
        log.warning("Slack request refused: unreadable body (%s)", type(exc).__name__)
        return None
    if bolt_request.body == {} and "payload" in text:
        # Bolt takes any form whose text contains "payload" for an interaction and, finding
        # no such field, reads it as empty: "/ticket note 4 the payload is wrong" was lost.
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if fields and "payload" not in fields:
            bolt_request.body = fields
            bolt_request.context = build_async_context(AsyncBoltContext({}), fields)
    return bolt_request
