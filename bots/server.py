"""The one aiohttp server of ``ticketbot serve``: Slack's ``/slack/events``, Teams'
``/api/messages`` and the health endpoints. Requests are acknowledged at once; the synchronous
core runs in a bounded worker pool so a slow LLM or PSA never delays an acknowledgement."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiohttp import web

from bots.background import SHUTDOWN_KEY, ShutdownDeadline
from bots.composition import Runtime
from bots.inbox import DurableCore
from bots.observability import http as observability
from bots.observability.redaction import Redactor, secret_values
from core.messages import Event, Reply
from storage.inbox import SqlInbox

T = TypeVar("T")

log = logging.getLogger(__name__)

RUNTIME_KEY = web.AppKey("runtime", Runtime)

# The event loop gives up the interpreter lock at every socket call and must get it back from
# whichever core thread computes. With Python's default turn of 5 ms, a burst's
# acknowledgements took 40-50 ms at p99; with 1 ms, about 20 ms (bench/burst_bench.py).
SWITCH_INTERVAL_SECONDS = 0.001
# Threads beyond TICKETBOT_WORKERS for the adapters' short core calls (App Home, a button's
# pending confirmation), so that they never queue behind events waiting on the network.
SPARE_WORKERS = 8
CORE_NICENESS = 10  # how much lower the core's threads run than the event loop (see below)


class CoreRunner:
    """Runs the synchronous core off the event loop, at most ``workers`` calls at a time.

    The pool is sized for waiting: a call spends most of its time on the LLM's or the help
    desk's answer (or on a free slot of Autotask's per-endpoint limit), which takes no CPU."""

    def __init__(self, runtime: Runtime, workers: int) -> None:
        self.runtime = runtime
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="core")
        _start_every_thread(self._pool, workers)
        self._in_flight: set[asyncio.Future[Any]] = set()
        self.durable: DurableCore | None = None  # the durable inbox, when the server has one

    async def handle(self, event: Event) -> list[Reply]:
        return await self._submit(functools.partial(self.runtime.assistant.handle, event))

    async def run(self, fn: Callable[[], object]) -> object:
        """Run any blocking call (a backend lookup for App Home, say) in the same pool."""
        return await self._submit(fn)

    async def _submit(self, fn: Callable[[], T]) -> T:
        # The request context (request id) follows the work into the worker thread.
        context = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(self._pool, context.run, fn)
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)
        return await future

    async def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for work in flight; True when none is left."""
        if not self._in_flight:
            return True
        _, pending = await asyncio.wait(set(self._in_flight), timeout=timeout)
        return not pending

    def shutdown(self, wait: bool = True) -> None:
        # Work not started yet is dropped: its events are in the inbox for the next process.
        self._pool.shutdown(wait=wait, cancel_futures=True)

    @property
    def busy(self) -> int:
        """Calls still running or waiting in the pool."""
        return len(self._in_flight)


def _start_every_thread(pool: ThreadPoolExecutor, workers: int) -> None:
    """Start the pool's threads now. The pool starts one per call until it has them all, on
    the caller's thread — the event loop — which then waits for each new thread to get the
    interpreter lock from the busy ones: in a burst, acknowledgements waited up to a second."""
    started = threading.Barrier(workers, timeout=10)

    def start() -> None:
        lower_priority_of_this_thread()
        started.wait()

    for future in [pool.submit(start) for _ in range(workers)]:
        future.result()


def lower_priority_of_this_thread() -> None:
    """Give the calling thread a lower CPU priority than the event loop's (Linux: a thread has
    its own nice value). When the core's threads keep the CPU busy, whichever thread the system
    wakes first takes the interpreter lock next: with this, the event loop is woken first, and
    acknowledgements keep their pace (bench/workers_bench.py: p50 65 ms instead of 110 ms, p99
    120 ms instead of 210 ms, with 20 creates always in flight on PostgreSQL). Fewer futile
    handoffs of the lock cost less CPU, too: bench/burst_bench.py's local desk went from about
    6.5 to 4.3 ms of the server's CPU a message (150 to 230 messages a second)."""
    if sys.platform != "linux":
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, 0) + CORE_NICENESS)
    except OSError as exc:  # a sandbox that refuses: the same work, at the same priority
        log.debug("core thread priority unchanged: %s", exc)


CORE_RUNNER_KEY = web.AppKey("core_runner", CoreRunner)
LIFECYCLE_KEY = web.AppKey("lifecycle", observability.Lifecycle)
DURABLE_KEY = web.AppKey("durable", DurableCore)

# A mount adds one platform's routes: (app, runtime, runner) -> None.
Mount = Callable[[web.Application, Runtime, CoreRunner], None]


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def inbox_for(
    runtime: Runtime,
    runner: CoreRunner,
    concurrency: int | None = None,
    *,
    processes: bool = True,
) -> DurableCore:
    """The durable inbox of ``runtime``'s database, worked through ``runner``: at most
    ``concurrency`` events at once (``TICKETBOT_WORKERS``); more wait in the inbox. With
    ``processes`` off, its events are left to ``ticketbot worker`` processes."""
    bot = runtime.settings.bot
    return DurableCore(
        SqlInbox(runtime.database),
        runtime.assistant,
        runner,
        runtime.clock,
        lease_seconds=bot.inbox_lease_seconds,
        poll_seconds=bot.inbox_poll_seconds,
        metrics=runtime.metrics,
        concurrency=concurrency or bot.workers,
        processes=processes,
    )


def build_web_app(runtime: Runtime, *, mounts: list[Mount] | None = None) -> web.Application:
    """The server's application. ``mounts`` defaults to every platform the settings enable."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    runner = CoreRunner(runtime, workers=runtime.settings.bot.workers + SPARE_WORKERS)
    runner.durable = durable = inbox_for(
        runtime, runner, processes=runtime.settings.bot.serve_processes
    )
    app[RUNTIME_KEY] = runtime
    app[CORE_RUNNER_KEY] = runner
    app[DURABLE_KEY] = durable
    app[SHUTDOWN_KEY] = ShutdownDeadline()
    app[LIFECYCLE_KEY] = lifecycle = observability.Lifecycle()
    app.router.add_get("/healthz", healthz)
    observability.install(
        app,
        metrics=runtime.metrics,
        readiness=observability.Readiness(
            runtime.database,
            runtime.ticketing,
            Redactor(secret_values(runtime.settings)),
            lifecycle,
        ),
        refuse=runtime.audit_refusal,
    )
    for mount in mounts if mounts is not None else default_mounts(runtime):
        mount(app, runtime, runner)

    async def start_inbox(_: web.Application) -> None:
        durable.start()  # first of all, what a dead process left behind

    async def stop_runner(app: web.Application) -> None:
        deadline = app[SHUTDOWN_KEY]
        timeout = runtime.settings.bot.shutdown_timeout_seconds
        await durable.stop(deadline.at(timeout))
        if not await runner.drain(deadline.remaining(timeout)):
            log.warning(
                "core work still running at the end of the %.0f s shutdown; its events are "
                "in the inbox for the next process",
                timeout,
            )
        runner.shutdown(wait=False)

    app.on_startup.append(start_inbox)
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
    # Teams is always there: without an app id it answers 401 (or, with TEAMS_LOCAL_MODE,
    # unauthenticated loopback requests only).
    from bots.teams.http import mount as teams_http

    mounts.append(teams_http)
    from bots.updates.mount import mount as updates  # updates: after the platforms it uses

    mounts.append(updates)
    from bots.triage.mount import mount as triage  # triage: after the platforms it uses

    mounts.append(triage)
    return mounts


async def serve(
    runtime: Runtime,
    *,
    ready: Callable[[], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the server until SIGTERM / SIGINT (or ``stop`` is set, or it is cancelled).

    Shutting down: stop accepting connections, let requests and core work in flight finish,
    release the inbox events still held and deliver what is due — all of it within
    ``TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS`` — then return.
    """
    settings = runtime.settings.server
    timeout = runtime.settings.bot.shutdown_timeout_seconds
    stop = stop or asyncio.Event()
    app = build_web_app(runtime)
    # Our middleware writes one line per request, with its request id: no separate access log.
    app_runner = web.AppRunner(app, access_log=None, shutdown_timeout=timeout)
    await app_runner.setup()
    site = web.TCPSite(app_runner, settings.host, settings.port)
    await site.start()
    stop_on_signals(stop)
    log.info("listening on %s:%s", settings.host, settings.port)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, SWITCH_INTERVAL_SECONDS))
    try:
        if ready is not None:
            await ready()
        await stop.wait()
        log.info("shutting down: finishing work in flight (up to %.0f s)", timeout)
    finally:
        sys.setswitchinterval(switch_interval)
        app[LIFECYCLE_KEY].stopping = True
        app[SHUTDOWN_KEY].start(timeout)
        await app_runner.cleanup()
        log.info("stopped")


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Not the main thread (tests) or not supported (Windows): cancelling still stops it.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
