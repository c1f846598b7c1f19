"""Sub-commands of ``ticketbot``: one module each, exposing ``COMMAND`` (a :class:`Subcommand`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

# Order is the order of ``ticketbot --help``. A module listed here must define ``COMMAND``.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "audit",
    "backup",
    "chat",
    "classify",
    "config",
    "demo",
    "desk",  # updates:
    "doctor",
    "purge",
    "report",  # updates:
    "serve",
    "teams_package",
    "usage",
    "webhooks",  # updates:
)


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """For sub-commands that take no arguments."""
