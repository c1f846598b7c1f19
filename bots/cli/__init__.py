"""Sub-commands of ``ticketbot``: one module each, exposing ``COMMAND`` (a :class:`Subcommand`).

A module imports at its top only what its arguments need; everything its ``run`` uses (the
database, the SDKs) is imported inside ``run``, so ``ticketbot --help`` and a light command
start at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from bots.errors import ConfigurationError

# Order is the order of ``ticketbot --help``. A module listed here must define ``COMMAND``;
# the command's name is the module's with ``-`` for ``_``.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "audit",
    "backup",
    "chat",
    "classify",
    "config",
    "db",
    "demo",
    "desk",  # updates:
    "doctor",
    "purge",
    "report",  # updates:
    "serve",
    "teams_package",
    "usage",
    "webhooks",  # updates:
    "worker",
)


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class CliError(ConfigurationError):
    """What the person running a command must fix (a missing input file, a bad argument), in
    one sentence: printed on stderr as ``ticketbot <command>: <message>``."""


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """For sub-commands that take no arguments."""


def at_least(minimum: int) -> Callable[[str], int]:
    """An ``argparse`` type: a whole number not below ``minimum`` (a usage error otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse
