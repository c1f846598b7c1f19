"""The one aiohttp server of ``ticketbot serve``: Slack's ``/slack/events``, Teams'
``/api/messages`` and the health endpoints. Requests are acknowledged at once; the synchronous
core runs in a bounded worker pool so a slow LLM or PSA never delays an acknowledgement."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from bots.composition import Runtime
from core.messages import Event, Reply

log = logging.getLogger(__name__)

RUNTIME_KEY = web.AppKey("runtime", Runtime)


class CoreRunner:
    """Runs the synchronous core off the event loop, at most ``workers`` events at a time."""

    def __init__(self, runtime: Runtime, workers: int) -> None:
        self.runtime = runtime
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="core")

    async def handle(self, event: Event) -> list[Reply]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.runtime.assistant.handle, event)

    async def run(self, fn: Callable[[], object]) -> object:
        """Run any blocking call (a backend lookup for App Home, say) in the same pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)


CORE_RUNNER_KEY = web.AppKey("core_runner", CoreRunner)

# A mount adds one platform's routes: (app, runtime, runner) -> None.
Mount = Callable[[web.Application, Runtime, CoreRunner], None]


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(runtime: Runtime, *, mounts: list[Mount] | None = None) -> web.Application:
    """The server's application. ``mounts`` defaults to every platform the settings enable."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    runner = CoreRunner(runtime, workers=runtime.settings.bot.workers)
    app[RUNTIME_KEY] = runtime
    app[CORE_RUNNER_KEY] = runner
    app.router.add_get("/healthz", healthz)
    for mount in mounts if mounts is not None else default_mounts(runtime):
        mount(app, runtime, runner)

    async def stop_runner(_: web.Application) -> None:
        runner.shutdown(wait=True)

    app.on_cleanup.append(stop_runner)
    return app


def default_mounts(runtime: Runtime) -> list[Mount]:
    """Platforms enabled by the settings (each platform's package adds itself here)."""
    mounts: list[Mount] = []
    from bots.slack.app import http_mode, socket_mode

    if http_mode(runtime.settings.slack):
        from bots.slack.http import mount as slack_http

        mounts.append(slack_http)
    elif socket_mode(runtime.settings.slack):
        from bots.slack.socket_mode import mount as slack_socket_mode

        mounts.append(slack_socket_mode)
    return mounts


async def serve(runtime: Runtime, *, ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Run the server until cancelled."""
    settings = runtime.settings.server
    app = build_web_app(runtime)
    app_runner = web.AppRunner(app)
    await app_runner.setup()
    site = web.TCPSite(app_runner, settings.host, settings.port)
    await site.start()
    log.info("listening on %s:%s", settings.host, settings.port)
    if ready is not None:
        await ready()
    try:
        await asyncio.Event().wait()
    finally:
        await app_runner.cleanup()
