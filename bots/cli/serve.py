"""``ticketbot serve``: the one HTTP server (Slack ``/slack/events``, Teams ``/api/messages``,
health) on ``PORT``."""

from __future__ import annotations

import argparse
import asyncio
import errno

from bots.cli import CliError, Subcommand, no_arguments
from core.settings import load_settings


def run(args: argparse.Namespace) -> int:
    from bots.composition import build_runtime
    from bots.logs import configure_logging
    from bots.server import serve

    settings = load_settings()
    configure_logging(settings.bot.log_level, settings=settings)
    runtime = build_runtime(settings)
    where = f"{settings.server.host}:{settings.server.port}"
    try:
        asyncio.run(serve(runtime))
    except KeyboardInterrupt:
        pass
    except OverflowError as exc:  # a port above 65535
        raise CliError(f"can't listen on {where}: PORT must be 1-65535") from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {settings.server.port} is already in use on {settings.server.host}: "
                "stop the other server or set PORT to a free port"
            ) from exc
        if exc.errno == errno.EACCES:
            raise CliError(
                f"not allowed to listen on {where}: ports below 1024 need privileges; "
                "set PORT to 1024 or above"
            ) from exc
        raise CliError(f"can't listen on {where}: {exc.strerror or exc}") from exc
    finally:
        runtime.close()
    exit_without_waiting_for_core_threads()
    return 0


def exit_without_waiting_for_core_threads() -> None:
    """The shutdown deadline has passed: a core call still running (a slow PSA or LLM answer)
    must not hold the process past it. Its event was released in the inbox and is finished,
    idempotently, by the next process."""
    import logging
    import os
    import sys
    import threading
    import time

    # The pool's idle threads (it starts them all up front) end as soon as it is shut down;
    # only those still inside a call keep running.
    settled = time.monotonic() + 0.2
    for thread in threading.enumerate():
        if thread.name.startswith("core"):
            thread.join(timeout=max(0.0, settled - time.monotonic()))
    running = [t for t in threading.enumerate() if t.name.startswith("core") and t.is_alive()]
    if running:
        logging.getLogger(__name__).warning(
            "exiting with %d core calls unfinished; their events are taken again", len(running)
        )
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


COMMAND = Subcommand("serve", "run the Slack and Teams server", no_arguments, run)
