"""``ticketbot purge``: delete conversation turns older than the retention period."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from bots.cli import CliError, Subcommand, at_least
from core.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=at_least(0),
        help="keep this many days (default: TICKETBOT_HISTORY_RETENTION_DAYS); 0 deletes all "
        "history and asks first",
    )
    parser.add_argument(
        "--yes", action="store_true", help="don't ask before deleting all history (--days 0)"
    )


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def run(args: argparse.Namespace) -> int:
    from bots.composition import NoDatabaseYet, open_database
    from bots.logs import configure_logging
    from storage.audit import SqlAuditLog
    from storage.history import SqlConversationStore

    settings = load_settings()
    configure_logging(settings.bot.log_level, settings=settings)
    days = args.days if args.days is not None else settings.bot.history_retention_days
    if days == 0 and not (args.yes or _confirmed()):
        raise CliError("--days 0 deletes all conversation history; add --yes to confirm")
    try:
        database = open_database(settings, create=False)
    except NoDatabaseYet as exc:
        print(f"nothing to purge: {exc}")
        return 0
    try:
        removed = SqlConversationStore(database).purge_before(
            datetime.now(UTC) - timedelta(days=days)
        )
        SqlAuditLog(database).purge_expired(settings.bot.audit_retention_days)
    finally:
        database.dispose()
    if days == 0:
        print(f"removed {plural(removed, 'turn')}: all conversation history")
    else:
        print(f"removed {plural(removed, 'turn')} older than {plural(days, 'day')}")
    return 0


def _confirmed() -> bool:
    """Ask on a terminal; anything but yes (or no terminal to ask on) is no."""
    if not sys.stdin.isatty():
        return False
    try:
        answer = input("Delete ALL conversation history? Type yes to confirm: ")
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


COMMAND = Subcommand("purge", "delete conversation history past its retention", add_arguments, run)
