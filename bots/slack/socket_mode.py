"""Socket Mode: the same Bolt app fed over Slack's WebSocket (``SLACK_APP_TOKEN``), for
installations without a public URL. It runs inside the server's lifecycle, next to the HTTP
routes, and shares the server's worker pool."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bots.background import shutdown_budget
from bots.gateway import RunnerGateway
from bots.slack.app import (
    SLACK_ADAPTER_KEY,
    SlackAdapter,
    build_slack_adapter,
    database_stash,
)
from bots.slack.destination import PLATFORM
from bots.slack.errors import SLACK_CALL_ERRORS, reason

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger(__name__)
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount` that connects to Slack over Socket Mode while the server runs."""
    settings = runtime.settings
    if settings.slack.app_token is None:
        raise ValueError("SLACK_APP_TOKEN is not set")
    adapter = build_slack_adapter(
        settings,
        RunnerGateway(runtime, runner),
        clock=runtime.clock,
        stash=database_stash(runtime.database, runtime.clock),
    )
    if runner.durable is not None:  # what a process that died left half done
        runner.durable.deliverers[PLATFORM] = adapter.bot.deliver_stored
        runner.durable.preparers[PLATFORM] = adapter.bot.prepare_stored
    attach(
        app,
        adapter,
        settings.slack.app_token.get_secret_value(),
        shutdown_timeout=settings.bot.shutdown_timeout_seconds,
    )


def attach(
    app: web.Application, adapter: SlackAdapter, app_token: str, *, shutdown_timeout: float = 20.0
) -> None:
    """Connect ``adapter`` over Socket Mode when ``app`` starts; disconnect when it stops."""
    handler = AsyncSocketModeHandler(adapter.app, app_token, web_client=adapter.bot.client)
    connecting: list[asyncio.Task[None]] = []
    app[SLACK_ADAPTER_KEY] = adapter

    async def start(_: web.Application) -> None:
        await adapter.open_connections()
        # In the background: the HTTP server (health, Teams) must not wait for Slack.
        connecting.append(asyncio.create_task(_connect(handler), name="slack-socket-mode"))

    async def stop(_: web.Application) -> None:
        for task in connecting:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await handler.close_async()  # type: ignore[no-untyped-call]
        await adapter.aclose(shutdown_budget(app, shutdown_timeout))

    async def disconnect(_: web.Application) -> None:
        await adapter.close_connections()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.on_cleanup.append(disconnect)


async def _connect(handler: AsyncSocketModeHandler) -> None:
    attempt = 0
    while True:
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack Socket Mode connected")
            return
        except SLACK_CALL_ERRORS as exc:
            delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.error(
                "Slack Socket Mode connection failed (%s); retrying in %.0f s", reason(exc), delay
            )
            attempt += 1
            await asyncio.sleep(delay)
