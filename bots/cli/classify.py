"""``ticketbot classify [FILE]``: JSON lines in, one JSON line of intent and entities out."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, TextIO

from bots.cli import Subcommand
from bots.composition import build_classifier
from bots.logs import configure_logging
from core.knowledge import YamlKnowledgeBase
from core.ports import Classifier
from core.settings import load_settings

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
    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    classifier = build_classifier(settings, YamlKnowledgeBase.load(settings.bot.knowledge_file))
    if args.file:
        with open(args.file, encoding="utf-8") as handle:
            failures = classify_lines(classifier, handle, sys.stdout)
    else:
        failures = classify_lines(classifier, sys.stdin, sys.stdout)
    return 1 if failures else 0


COMMAND = Subcommand("classify", "classify JSON lines of messages (evaluation)", add_arguments, run)
