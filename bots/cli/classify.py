"""``ticketbot classify [FILE]``: JSON lines in, one JSON line of intent and entities out."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from bots.cli import CliError, Subcommand
from core.settings import load_settings

if TYPE_CHECKING:
    from core.ports import Classifier

log = logging.getLogger("ticketbot.classify")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", help='JSON lines {"id", "text"} (default: standard input)'
    )


def classify_lines(classifier: Classifier, lines: TextIO, out: TextIO) -> int:
    """Classify each line; a bad line is reported on its own output line, never fatal."""
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result: dict[str, Any]
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            found = classifier.classify(item["text"])
            result = {
                "id": item.get("id"),
                "intent": found.intent.value,
                "ticket": found.ticket.value if found.ticket else None,
                "priority": found.priority.value if found.priority else None,
                "title": found.title,
            }
        except ValueError as exc:
            failures += 1
            log.warning("line %d skipped: %s", number, exc)
            result = {"id": None, "line": number, "error": str(exc)}
        print(json.dumps(result, ensure_ascii=False), file=out)
    return failures


def run(args: argparse.Namespace) -> int:
    from bots.composition import build_classifier, load_knowledge
    from bots.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    lines = _open_input(args.file)  # before the classifier: a wrong path fails at once
    with contextlib.closing(lines) if args.file else contextlib.nullcontext(lines):
        classifier = build_classifier(settings, load_knowledge(settings))
        failures = classify_lines(classifier, lines, sys.stdout)
    return 1 if failures else 0


def _open_input(path: str | None) -> TextIO:
    """``path`` or standard input; bytes that are not UTF-8 become U+FFFD, so that line is
    classified rather than the run ended."""
    if path is None:
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
        return sys.stdin
    try:
        return open(path, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CliError(f"can't read {path}: {exc.strerror or exc}") from exc


COMMAND = Subcommand("classify", "classify JSON lines of messages (evaluation)", add_arguments, run)
