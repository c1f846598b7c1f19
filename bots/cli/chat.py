"""``ticketbot chat``: the terminal chat on whatever backend the settings name."""

from __future__ import annotations

import argparse
import io
import sys

from bots.cli import Subcommand
from core.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="EMAIL", help="who you are (default: a demo user)")
    parser.add_argument("--name", help="your display name")


def run(args: argparse.Namespace) -> int:
    from bots.composition import build_runtime
    from bots.console import ConsoleChat, console_user, run_interactive, run_piped
    from bots.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    runtime = build_runtime(settings)
    # Bytes that are not UTF-8 become U+FFFD, and what a terminal can't show becomes "?",
    # instead of ending the chat.
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    updates = None
    try:
        chat = ConsoleChat(runtime.assistant, console_user(args.user, args.name), runtime.clock)
        from bots.updates.console import terminal_updates  # updates:

        interactive = sys.stdin.isatty()
        # updates: printed as they arrive (interactive) or before each scripted line
        updates = terminal_updates(runtime, chat, interactive=interactive)
        if interactive:
            run_interactive(chat, runtime.ticketing.name)
        else:
            lines = updates.before_each(sys.stdin) if updates is not None else sys.stdin
            run_piped(chat, lines, sys.stdout)
    finally:
        if updates is not None:  # updates:
            updates.stop()
        runtime.close()
    return 0


COMMAND = Subcommand("chat", "chat with the help desk in this terminal", add_arguments, run)
