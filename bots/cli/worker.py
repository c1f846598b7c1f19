"""``ticketbot worker``: answers events from the durable inbox in a process of its own (no HTTP
server), beside the ``serve`` replicas on the same database. Their answers go to the outbox,
which the ``serve`` replicas deliver."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bots.cli import Subcommand, no_arguments
from core.settings import load_settings

if TYPE_CHECKING:
    from bots.composition import Runtime


def run(args: argparse.Namespace) -> int:
    from bots.cli.serve import exit_without_waiting_for_core_threads
    from bots.composition import build_runtime
    from bots.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.bot.log_level, settings=settings)
    runtime = build_runtime(settings)
    try:
        asyncio.run(work(runtime))
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    exit_without_waiting_for_core_threads()
    return 0


async def work(runtime: Runtime, stop: asyncio.Event | None = None) -> None:
    """Take and answer inbox events until SIGTERM / SIGINT (or ``stop``); then finish or
    release them within ``TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS``."""
    import logging
    import time

    from bots.server import CoreRunner, inbox_for, stop_on_signals

    log = logging.getLogger("bots.cli.worker")
    stop = stop or asyncio.Event()
    timeout = runtime.settings.bot.shutdown_timeout_seconds
    runner = CoreRunner(runtime, workers=runtime.settings.bot.workers)
    durable = inbox_for(runtime, runner, concurrency=runtime.settings.bot.workers)
    stop_on_signals(stop)
    durable.start()
    log.info("worker taking events from the inbox as %s", durable.owner)
    try:
        await stop.wait()
    finally:
        log.info("shutting down: finishing work in flight (up to %.0f s)", timeout)
        await durable.stop(time.monotonic() + timeout)
        runner.shutdown(wait=False)
        log.info("stopped")


COMMAND = Subcommand(
    "worker", "answer events from the inbox (beside serve replicas)", no_arguments, run
)
