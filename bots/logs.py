"""Logging set-up for the command line and the server (see :mod:`bots.observability.logformat`)."""

from __future__ import annotations

import logging
from typing import TextIO

from bots.observability.logformat import install
from bots.observability.redaction import Redactor, secret_values
from core.settings import Settings


def configure_logging(
    level: str = "INFO",
    *,
    quiet: bool = False,
    settings: Settings | None = None,
    stream: TextIO | None = None,
) -> None:
    """One structured line per event on stderr. ``quiet`` (the terminal chat) keeps only
    warnings and worse. With ``settings``: their ``TICKETBOT_LOG_FORMAT`` and every secret they
    hold is masked (the composition root adds them too, for callers that pass none)."""
    # Alembic (1.17+) announces each of its plugins at INFO on every start: nothing to act on.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    install(
        level=logging.WARNING
        if quiet
        else logging.getLevelNamesMapping().get(level.upper(), logging.INFO),
        fmt=settings.bot.log_format if settings is not None else "text",
        redactor=Redactor(secret_values(settings) if settings is not None else ()),
        stream=stream,
    )
