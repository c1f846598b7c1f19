"""Logging set-up for the command line and the server."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO", *, quiet: bool = False) -> None:
    """Readable lines on stderr. ``quiet`` (the terminal chat) keeps only warnings and worse."""
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
