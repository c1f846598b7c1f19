"""HTTP mode: Slack's ``POST /slack/events`` on the server's aiohttp application."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

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
        bolt_response = await adapter.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def finish(_: web.Application) -> None:
        await adapter.aclose(shutdown_timeout)

    app[SLACK_ADAPTER_KEY] = adapter
    app.router.add_post(EVENTS_PATH, slack_events)
    app.on_shutdown.append(finish)
