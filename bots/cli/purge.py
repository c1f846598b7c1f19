"""``ticketbot purge``: delete conversation turns older than the retention period."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bots.cli import Subcommand
from bots.composition import build_runtime
from bots.logs import configure_logging
from core.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days", type=int, help="keep this many days (default: TICKETBOT_HISTORY_RETENTION_DAYS)"
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.bot.log_level, settings=settings)
    runtime = build_runtime(settings)
    try:
        days = args.days if args.days is not None else settings.bot.history_retention_days
        removed = runtime.store.purge_before(runtime.clock() - timedelta(days=days))
        print(f"removed {removed} turns older than {days} days")
    finally:
        runtime.close()
    return 0


COMMAND = Subcommand("purge", "delete conversation history past its retention", add_arguments, run)
