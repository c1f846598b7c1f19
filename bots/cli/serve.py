"""``ticketbot serve``: the one HTTP server (Slack ``/slack/events``, Teams ``/api/messages``,
health) on ``PORT``."""

from __future__ import annotations

import argparse
import asyncio

from bots.cli import Subcommand, no_arguments
from bots.composition import build_runtime
from bots.logs import configure_logging
from bots.server import serve
from core.settings import load_settings


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.bot.log_level, settings=settings)
    runtime = build_runtime(settings)
    try:
        asyncio.run(serve(runtime))
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


COMMAND = Subcommand("serve", "run the Slack and Teams server", no_arguments, run)
