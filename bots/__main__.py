"""The ``ticketbot`` command line. Each sub-command lives in its own module under ``bots/cli``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bots.cli import SUBCOMMAND_MODULES, Subcommand
from core.settings import describe_invalid


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Subcommand]]:
    parser = argparse.ArgumentParser(
        prog="ticketbot",
        description="Chat with your IT help desk from Slack, Microsoft Teams or a terminal.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: dict[str, Subcommand] = {}
    for module_name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"bots.cli.{module_name}")
        command: Subcommand = module.COMMAND
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(command_parser)
        commands[command.name] = command
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The embedded default: a terminal chat on the local desk.
        args = parser.parse_args(["chat", *(argv or [])])
    try:
        return commands[args.command].run(args)
    except ValidationError as exc:
        print("ticketbot: some settings (environment or .env) are not valid:", file=sys.stderr)
        for line in describe_invalid(exc):
            print(f"  {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
