"""HTTP mode: Slack's ``POST /slack/events`` on the server's aiohttp application."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest

from bots.gateway import RunnerGateway
from bots.slack.app import SLACK_ADAPTER_KEY, SlackAdapter, build_slack_adapter

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount`: Slack's events, commands and interactivity at
    ``/slack/events`` (signature checked by Bolt: a bad or stale one gets 401)."""
    adapter = build_slack_adapter(
        runtime.settings, RunnerGateway(runtime, runner), clock=runtime.clock
    )
    add_routes(app, adapter, shutdown_timeout=runtime.settings.bot.shutdown_timeout_seconds)


def add_routes(
    app: web.Application, adapter: SlackAdapter, *, shutdown_timeout: float = 20.0
) -> None:
    """Route ``POST /slack/events`` to ``adapter``; on shutdown wait for its work in flight."""

    async def slack_events(request: web.Request) -> web.Response:
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        if timestamp is not None and not timestamp.strip().isdigit():
            # Bolt's verifier would fail with a 500 on a malformed timestamp: it is simply
            # an invalid signature.
            log.warning("Slack request refused: malformed %s header", TIMESTAMP_HEADER)
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_request = await _bolt_request(request)
        if bolt_request is None:
            return web.json_response({"error": "invalid request body"}, status=400)
        bolt_response = await adapter.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def finish(_: web.Application) -> None:
        await adapter.aclose(shutdown_timeout)

    app[SLACK_ADAPTER_KEY] = adapter
    app.router.add_post(EVENTS_PATH, slack_events)
    app.on_shutdown.append(finish)


async def _bolt_request(request: web.Request) -> AsyncBoltRequest | None:
    """The request as Bolt reads it, or ``None`` when its body cannot be read that way.

    Bolt parses the body (JSON, or a form whose ``payload`` is JSON, expected to be an object)
    before it checks the signature, and fails with a 500 on anything else: such a body is a bad
    request, whoever sent it."""
    raw = await request.read()
    try:
        return AsyncBoltRequest(
            body=raw.decode("utf-8"),
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        # ValueError covers bodies that are not UTF-8 or not JSON; the others, JSON that is
        # not the object Bolt reads fields from.
        log.warning("Slack request refused: unreadable body (%s)", type(exc).__name__)
        return None
